/*
 * source_int.h - libsynaq's private: exam sources in YAML read into the canonical
 * document (source.c).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_SOURCE_INT_H
#define SYNAQ_SOURCE_INT_H

#include <jansson.h>
#include "synaq/synaq.h"

/* Parses the YAML source at path into the canonical document and checks it
 * with sqi_exam_check. Caller owns *out (json_decref). Messages: "PATH:LINE: what". */
sq_status sqi_source_load(const char *path, json_t **out, sq_err *err);
/* The same from memory; base_dir is where images and roster files are
 * looked for (NULL: none may be named). name is used in messages. */
sq_status sqi_source_parse(const char *name, const char *yaml, size_t len, const char *base_dir,
                            json_t **out, sq_err *err);


#endif
