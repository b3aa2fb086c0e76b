/* cmd_classify.h: what the classifier's three commands (classify, train,
 * eval; cmd_classify.c, cmd_train.c, cmd_eval.c) share. */
#ifndef AIMAP_CLI_CMD_CLASSIFY_H
#define AIMAP_CLI_CMD_CLASSIFY_H

#include <cjson/cJSON.h>

/* Option keys of the three commands. */
enum {
	K_FORMAT = 1, K_MODEL, K_EXPLAIN, K_SAVE, K_FOLDS, K_REPEAT, K_SEED, K_DEV,
	K_PREDICTIONS,
};

/* The learners' names, NULL-terminated, in enum clf_learner order. */
extern const char *const clic_model_names[];

/* *out = the index of val in the NULL-terminated allowed; else a usage
 * error naming what and the choices, and -1. */
int clic_pick(const char *cmd, const char *what, const char *val,
	      const char *const *allowed, int *out);

/* Prints j, formatted, and a newline to standard output. */
void clic_print_json(cJSON *j);

#endif
