/*
 * examset.h - exam sources and exam sets.
 *
 * An exam source is a YAML file written by people (format: assets/README.md).
 * Loading one checks it completely: every error names the file, the line
 * and what is wrong. A set holds one or more checked exams, ready to be
 * put into a bundle (bundle.h).
 */
#ifndef SYNAQ_EXAMSET_H
#define SYNAQ_EXAMSET_H

#include "synaq.h"

typedef struct sq_exam_set sq_exam_set;

/* A new empty set. Caller owns it; free with sq_exam_set_free. */
sq_exam_set *sq_exam_set_new(void);
void sq_exam_set_free(sq_exam_set *set);

/* Parses and checks the source at path and adds its exam to set.
 * Images and roster files named in it are read relative to its folder.
 * SQ_EINVAL with "FILE:LINE: what" on a bad source; SQ_EEXIST when the set
 * already has an exam with that id. The set is unchanged on error. */
sq_status sq_exam_set_load(sq_exam_set *set, const char *path, sq_err *err) SQ_MUST_CHECK;

size_t sq_exam_set_count(const sq_exam_set *set);
/* Borrowed strings, valid while the set lives. */
const char *sq_exam_set_id(const sq_exam_set *set, size_t i);
int64_t sq_exam_set_version(const sq_exam_set *set, size_t i);
size_t sq_exam_set_items(const sq_exam_set *set, size_t i);

#endif
