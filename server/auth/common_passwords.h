/*
 * The common-password list (generated at build time from the zxcvbn npm
 * package by tools/passwords/gen.js): lowercased, unique, sorted by bytes.
 */
#ifndef PILOTO_AUTH_COMMON_PASSWORDS_H
#define PILOTO_AUTH_COMMON_PASSWORDS_H

#include <stddef.h>

extern const char *const common_passwords[];
extern const size_t common_passwords_count;

#endif
