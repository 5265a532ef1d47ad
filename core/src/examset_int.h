/*
 * examset_int.h - libsynaq's private: an exam set's documents (examset.c).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_EXAMSET_INT_H
#define SYNAQ_EXAMSET_INT_H

#include <jansson.h>
#include "synaq/examset.h"

/* The exams of a set, as a JSON array (borrowed). */
const json_t *sqi_exam_set_json(const sq_exam_set *set);


#endif
