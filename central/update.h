/*
 * update.h - `synaq-central update build`: a signed software update for
 * the stations (update.c; the format: core/src/update.c).
 */
#ifndef SYNAQ_CENTRAL_UPDATE_H
#define SYNAQ_CENTRAL_UPDATE_H

/* argv[0] is "update"; keys_dir holds sign.key. Returns the exit status. */
int update_command(const char *keys_dir, int argc, char **argv);

#endif
