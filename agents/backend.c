/* SPDX-License-Identifier: Apache-2.0 */
#include "backend.h"

#include <errno.h>
#include <string.h>

static const BackendOps *const backends[] = {
    &backend_sim_ops,
};

const BackendOps *backend_find(const char *name)
{
    if (!name) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        if (strcmp(backends[i]->name, name) == 0) {
            return backends[i];
        }
    }
    return NULL;
}

int backend_new(const BackendOps *ops, const BackendConfig *cfg, Backend **ret)
{
    if (!ops || !cfg || !cfg->event || !cfg->report || !ret) {
        return -EINVAL;
    }
    return ops->create(cfg, ret);
}

int backend_start(Backend *b)
{
    return b->ops->start(b);
}

int backend_apply(Backend *b, SbTarget target, SbTransition transition)
{
    return b->ops->apply(b, target, transition);
}

void backend_stop(Backend *b)
{
    b->ops->stop(b);
}

Backend *backend_free(Backend *b)
{
    if (!b) {
        return NULL;
    }
    return b->ops->destroy(b);
}
