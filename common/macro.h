/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the daemons: cleanup attributes and array sizes. */
#ifndef STATEBUS_MACRO_H
#define STATEBUS_MACRO_H

#include <stdlib.h>

#include "sb-macro.h" /* ELEMENTSOF */

#define CLEANUP(fn) __attribute__((cleanup(fn)))

static inline void freep(void *p)
{
    free(*(void **) p);
}
#define CLEANUP_FREE CLEANUP(freep)

/* Hand ownership out of a CLEANUP variable: *ret = TAKE_PTR(x); */
#define TAKE_PTR(p)                        \
    ({                                     \
        __typeof__(p) take_ptr_tmp_ = (p); \
        (p) = NULL;                        \
        take_ptr_tmp_;                     \
    })

#endif
