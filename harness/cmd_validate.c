/* cmd_validate: `harness validate` (placeholder until the model lands). */
#include "cli.h"

#include <stdio.h>

int cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "harness: validate: not built yet\n");
	return 3;
}

int cmd_list(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "harness: list: not built yet\n");
	return 3;
}
