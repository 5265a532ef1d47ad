/*
 * examset.c - exam sets (synaq/examset.h): the checked exams a bundle is
 * built from, each loaded from its source (source.c) and kept as its
 * canonical document (exam.c).
 */
#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "examset_int.h"
#include "source_int.h"
#include "util_int.h"

struct sq_exam_set {
    json_t *exams; /* array of checked canonical documents */
};

sq_exam_set *sq_exam_set_new(void)
{
    sq_exam_set *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    set->exams = json_array();
    if (!set->exams) {
        free(set);
        return NULL;
    }
    return set;
}

void sq_exam_set_free(sq_exam_set *set)
{
    if (!set)
        return;
    json_decref(set->exams);
    free(set);
}

sq_status sq_exam_set_load(sq_exam_set *set, const char *path, sq_err *err)
{
    json_t *doc = NULL;
    const char *id;
    sq_status st;

    if (!set || !path)
        return sqi_seterr(err, SQ_EINVAL, "sq_exam_set_load: no set or no path");
    st = sqi_source_load(path, &doc, err);
    if (st != SQ_OK)
        return st;
    id = json_string_value(json_object_get(doc, "id"));
    for (size_t i = 0; i < json_array_size(set->exams); i++) {
        if (strcmp(id, sq_exam_set_id(set, i)) == 0) {
            /* id belongs to doc: word the message before freeing it. */
            st = sqi_seterr(err, SQ_EEXIST, "%s: exam '%s' is already in the set", path, id);
            json_decref(doc);
            return st;
        }
    }
    /* jansson frees doc when the append fails. */
    if (json_array_append_new(set->exams, doc) != 0)
        return sqi_seterr(err, SQ_ENOMEM, "%s: out of memory", path);
    return SQ_OK;
}

size_t sq_exam_set_count(const sq_exam_set *set)
{
    return set ? json_array_size(set->exams) : 0;
}

const char *sq_exam_set_id(const sq_exam_set *set, size_t i)
{
    return set ? json_string_value(json_object_get(json_array_get(set->exams, i), "id")) : NULL;
}

int64_t sq_exam_set_version(const sq_exam_set *set, size_t i)
{
    if (!set)
        return 0;
    return (int64_t)json_integer_value(json_object_get(json_array_get(set->exams, i), "version"));
}

/* Items in one attempt: the blueprint's total, or every item without one. */
size_t sq_exam_set_items(const sq_exam_set *set, size_t i)
{
    const json_t *exam = set ? json_array_get(set->exams, i) : NULL;
    const json_t *plan = json_object_get(exam, "blueprint");
    size_t total = 0;

    if (json_array_size(plan) == 0)
        return json_array_size(json_object_get(exam, "items"));
    for (size_t k = 0; k < json_array_size(plan); k++)
        total += (size_t)json_integer_value(json_object_get(json_array_get(plan, k), "count"));
    return total;
}

const json_t *sqi_exam_set_json(const sq_exam_set *set)
{
    return set ? set->exams : NULL;
}
