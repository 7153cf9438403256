/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redfish resources the bridge serves, rendered from the model on each GET, and the routing
 * of a URL to them (topics/redfish.md). Pure: no I/O, no clock (times come from the payloads).
 */
#ifndef STATEBUS_REDFISH_RENDER_H
#define STATEBUS_REDFISH_RENDER_H

#include "redfish-model.h"

#define REDFISH_RESET_TARGET "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset"

typedef enum RedfishRoute {
    REDFISH_ROUTE_NONE,     /* no such resource: 404 */
    REDFISH_ROUTE_RESOURCE, /* a read-only resource: GET and HEAD */
    REDFISH_ROUTE_RESET,    /* the ComputerSystem.Reset action: POST only */
} RedfishRoute;

/* Which route url (untrusted, NUL-terminated; one trailing '/' is ignored) names for m's nodes. */
RedfishRoute redfish_route(const RedfishModel *m, const char *url);

/* The JSON body of the resource at url, NUL-terminated, owned by the caller (free()).
 * Returns 0, -ENOENT when url is not a resource, -ENOMEM. */
int redfish_render(const RedfishModel *m, const char *url, char **ret_body);

#endif
