/* Messages as the sharing layer sees them: a type (Warning, Track) and a flat set of named
 * fields mirroring the JSON Lines of docs/FORMATS.md ("Fusion: scenarios, tracks, warnings"),
 * nested objects and arrays flattened to dotted names ("launch.lat_deg", "sites.0"). share/
 * knows no fusion/ types: a Warning or Track line goes through triad_share_msg_from_json().
 *
 * Canonical encoding (what is hashed and signed), version 1, all integers big-endian:
 *   "TRIAD-SHARE-PAYLOAD-1" (21 bytes, no NUL)
 *   u8  type (1 warning, 2 track)
 *   u16 number of fields
 *   per field, in strictly increasing byte order of the names (strcmp; names are unique):
 *     u8 name length (1..47), the name (printable ASCII, no '"' or '\\')
 *     u8 kind: 'n' number, 's' string, 'b' boolean
 *     'n': u64, the IEEE-754 binary64 bits of the value (-0 written as +0; NaN/Inf refused)
 *     's': u16 length (0..63), the bytes (UTF-8 as given, no NUL)
 *     'b': u8 0 or 1
 * Field order in the struct does not matter: the encoding sorts, so equal sets of fields give
 * equal bytes, and no two different sets do (every part is length-prefixed or fixed size).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_MESSAGE_H
#define TRIAD_SHARE_MESSAGE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TRIAD_SHARE_NAME_MAX = 48,   /* field names, with the NUL */
    TRIAD_SHARE_STR_MAX = 64,    /* string values, with the NUL */
    TRIAD_SHARE_MAX_FIELDS = 96, /* a Track line has ~35, a Warning ~30 */
    /* the longest canonical payload */
    TRIAD_SHARE_PAYLOAD_MAX = 21 + 1 + 2 + TRIAD_SHARE_MAX_FIELDS * (1 + 47 + 1 + 2 + 63),
};

typedef enum { TRIAD_SHARE_WARNING = 1, TRIAD_SHARE_TRACK = 2 } triad_share_type;
typedef enum {
    TRIAD_SHARE_NUM = 'n',
    TRIAD_SHARE_STR = 's',
    TRIAD_SHARE_BOOL = 'b'
} triad_share_kind;

typedef struct {
    char name[TRIAD_SHARE_NAME_MAX];
    triad_share_kind kind;
    double num;                    /* NUM */
    char str[TRIAD_SHARE_STR_MAX]; /* STR */
    bool b;                        /* BOOL */
} triad_share_field;

typedef struct {
    triad_share_type type;
    size_t num_fields;
    triad_share_field f[TRIAD_SHARE_MAX_FIELDS];
} triad_share_msg;

/* "warning" / "track" (NULL for anything else) and back (0 for an unknown name). */
const char *triad_share_type_name(triad_share_type t);
triad_share_type triad_share_type_parse(const char *name);

/* Start an empty message of a type. */
void triad_share_msg_init(triad_share_msg *m, triad_share_type type);
/* Set (add or replace) one field. Return 0, or TRIAD_EINVAL for a bad name, a non-finite
 * number or a string too long, TRIAD_ENOMEM when the message is full (message names the
 * field). */
int triad_share_msg_set_num(triad_share_msg *m, const char *name, double v);
int triad_share_msg_set_str(triad_share_msg *m, const char *name, const char *v);
int triad_share_msg_set_bool(triad_share_msg *m, const char *name, bool v);
/* The field of that name, or NULL. */
const triad_share_field *triad_share_msg_get(const triad_share_msg *m, const char *name);

/* One JSON Lines object (a Warning or Track line, its "type" member naming which) into a
 * message: numbers, strings and booleans kept, objects and arrays flattened to dotted names,
 * null dropped. Returns 0, or TRIAD_EFORMAT / TRIAD_EINVAL with a message naming the field. */
int triad_share_msg_from_json(const cJSON *obj, triad_share_msg *m);

/* The canonical bytes (above) into buf[cap]; *len their count. TRIAD_SHARE_PAYLOAD_MAX is
 * always enough. Returns 0, or TRIAD_EINVAL (duplicate or bad name, bad value, small buf). */
int triad_share_msg_encode(const triad_share_msg *m, uint8_t *buf, size_t cap, size_t *len);
/* Canonical bytes (as received on the wire) back into a message. Strict: the tag, the type,
 * names in strictly increasing order, every length and kind checked, nothing left over, so
 * only bytes that triad_share_msg_encode() could have written are taken and re-encoding
 * gives the same bytes. Returns 0, or TRIAD_EFORMAT naming the byte offset and what is wrong. */
int triad_share_msg_decode(const uint8_t *buf, size_t len, triad_share_msg *m);
/* BLAKE2b-256 of the canonical bytes. */
int triad_share_msg_digest(const triad_share_msg *m, uint8_t digest[32]);

#endif
