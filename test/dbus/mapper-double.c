/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mapper-double: a test stand-in for phosphor-objmgr's xyz.openbmc_project.ObjectMapper, doing
 * what its mapperx does to learn objects: nobody registers; at start it introspects every
 * well-known name of ListNames, later each name NameOwnerChanged reports as newly owned
 * (unique names and org.freedesktop.* skipped), recursively from "/", recording each path's
 * interfaces under that well-known name; a name that loses its owner is forgotten. Methods:
 * GetObject(s path, as ifaces) -> a{sas}, GetSubTree(s root, i depth, as ifaces) -> a{sa{sas}},
 * GetSubTreePaths(...) -> as; an unknown path or root answers
 * xyz.openbmc_project.Common.Error.ResourceNotFound, as handler.cpp does.
 *
 * Prints "mapper-double: ready" and one "mapper-double: introspected NAME paths=N" line per
 * name to stdout, so tests wait for what it knows instead of sleeping.
 *
 *     DBUS_SYSTEM_BUS_ADDRESS=unix:path=... mapper-double
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#define MAPPER_NAME  "xyz.openbmc_project.ObjectMapper"
#define MAPPER_PATH  "/xyz/openbmc_project/object_mapper"
#define MAPPER_IFACE "xyz.openbmc_project.ObjectMapper"
#define NOT_FOUND    "xyz.openbmc_project.Common.Error.ResourceNotFound"

#define ENTRIES_MAX 512
#define IFACES_MAX  16
#define TEXT_MAX    256
#define DEPTH_MAX   16

typedef struct Entry {
    bool used;
    char path[TEXT_MAX];
    char service[TEXT_MAX];
    char ifaces[IFACES_MAX][TEXT_MAX];
    size_t n_ifaces;
} Entry;

static Entry entries[ENTRIES_MAX];
static sd_bus *bus;

static void forget(const char *service)
{
    for (size_t i = 0; i < ENTRIES_MAX; i++) {
        if (entries[i].used && strcmp(entries[i].service, service) == 0) {
            entries[i].used = false;
        }
    }
}

static Entry *entry_new(const char *path, const char *service)
{
    for (size_t i = 0; i < ENTRIES_MAX; i++) {
        if (!entries[i].used) {
            Entry *e = &entries[i];
            *e = (Entry){ .used = true };
            (void) snprintf(e->path, sizeof(e->path), "%s", path);
            (void) snprintf(e->service, sizeof(e->service), "%s", service);
            return e;
        }
    }
    return NULL;
}

/* The value of attribute name="..." right after tag_start (in an sd-bus introspection). */
static bool attr_name(const char *tag, const char *end, char *out, size_t size)
{
    const char *q = strstr(tag, "name=\"");
    const char *close;
    size_t len;

    if (!q || q > end) {
        return false;
    }
    q += 6;
    close = strchr(q, '"');
    if (!close || close > end) {
        return false;
    }
    len = (size_t) (close - q);
    if (len >= size) {
        return false;
    }
    (void) memcpy(out, q, len);
    out[len] = '\0';
    return true;
}

static int introspect(const char *service, const char *path, unsigned depth, size_t *n_paths)
{
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    const char *xml = NULL;
    char children[64][TEXT_MAX];
    size_t n_children = 0;
    Entry *e;
    int r;

    if (depth > DEPTH_MAX) {
        return 0;
    }
    r = sd_bus_call_method(bus, service, path, "org.freedesktop.DBus.Introspectable", "Introspect",
                           &error, &reply, "");
    if (r < 0) {
        fprintf(stderr, "mapper-double: introspect %s %s failed: %s\n", service, path,
                error.message);
        sd_bus_error_free(&error);
        return r;
    }
    r = sd_bus_message_read(reply, "s", &xml);
    if (r < 0) {
        sd_bus_message_unref(reply);
        return r;
    }
    e = entry_new(path, service);
    if (!e) {
        sd_bus_message_unref(reply);
        return -ENOSPC;
    }
    (*n_paths)++;
    for (const char *p = strstr(xml, "<interface "); p; p = strstr(p + 1, "<interface ")) {
        const char *end = strchr(p, '>');
        if (end && e->n_ifaces < IFACES_MAX &&
            attr_name(p, end, e->ifaces[e->n_ifaces], TEXT_MAX)) {
            e->n_ifaces++;
        }
    }
    for (const char *p = strstr(xml, "<node "); p; p = strstr(p + 1, "<node ")) {
        const char *end = strchr(p, '>');
        if (end && n_children < 64 && attr_name(p, end, children[n_children], TEXT_MAX)) {
            n_children++;
        }
    }
    sd_bus_message_unref(reply);
    for (size_t i = 0; i < n_children; i++) {
        char child[2 * TEXT_MAX + 2];
        int n = snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") == 0 ? "" : path,
                         children[i]);
        if (n > 0 && (size_t) n < TEXT_MAX) {
            (void) introspect(service, child, depth + 1, n_paths);
        }
    }
    return 0;
}

static bool wanted(const char *name)
{
    return name[0] != ':' && strncmp(name, "org.freedesktop", 15) != 0 &&
           strcmp(name, MAPPER_NAME) != 0;
}

static void learn(const char *name)
{
    size_t n_paths = 0;

    forget(name);
    (void) introspect(name, "/", 0, &n_paths);
    printf("mapper-double: introspected %s paths=%zu\n", name, n_paths);
    fflush(stdout);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    const char *name, *old_owner, *new_owner;

    (void) userdata;
    (void) error;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || !wanted(name)) {
        return 0;
    }
    if (new_owner[0]) {
        learn(name);
    } else {
        forget(name);
        printf("mapper-double: forgot %s\n", name);
        fflush(stdout);
    }
    return 0;
}

static bool has_any(const Entry *e, char **ifaces)
{
    if (!ifaces || !ifaces[0]) {
        return true;
    }
    for (char **i = ifaces; *i; i++) {
        for (size_t k = 0; k < e->n_ifaces; k++) {
            if (strcmp(e->ifaces[k], *i) == 0) {
                return true;
            }
        }
    }
    return false;
}

static int append_interfaces(sd_bus_message *reply, const Entry *e)
{
    int r = sd_bus_message_open_container(reply, 'a', "s");

    for (size_t k = 0; r >= 0 && k < e->n_ifaces; k++) {
        r = sd_bus_message_append(reply, "s", e->ifaces[k]);
    }
    return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int method_get_object(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    sd_bus_message *reply = NULL;
    const char *path;
    char **ifaces = NULL;
    const char *last = NULL;
    bool found = false;
    int r;

    (void) userdata;
    r = sd_bus_message_read(m, "s", &path);
    if (r >= 0) {
        r = sd_bus_message_read_strv(m, &ifaces);
    }
    if (r < 0) {
        return r;
    }
    r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0) {
        r = sd_bus_message_open_container(reply, 'a', "{sas}");
    }
    /* Services in sorted order, as mapperx' std::map: the legacy name comes first. */
    for (;;) {
        const Entry *next = NULL;
        for (size_t i = 0; i < ENTRIES_MAX; i++) {
            const Entry *e = &entries[i];
            if (e->used && strcmp(e->path, path) == 0 && has_any(e, ifaces) &&
                (!found || strcmp(e->service, last) > 0) &&
                (!next || strcmp(e->service, next->service) < 0)) {
                next = e;
            }
        }
        if (!next || r < 0) {
            break;
        }
        found = true;
        last = next->service;
        r = sd_bus_message_open_container(reply, 'e', "sas");
        if (r >= 0) {
            r = sd_bus_message_append(reply, "s", next->service);
        }
        if (r >= 0) {
            r = append_interfaces(reply, next);
        }
        if (r >= 0) {
            r = sd_bus_message_close_container(reply);
        }
    }
    for (char **i = ifaces; i && *i; i++) {
        free(*i);
    }
    free(ifaces);
    if (r >= 0 && !found) {
        sd_bus_message_unref(reply);
        return sd_bus_error_set(error, NOT_FOUND, "The resource is not found.");
    }
    if (r >= 0) {
        r = sd_bus_message_close_container(reply);
    }
    if (r >= 0) {
        r = sd_bus_send(NULL, reply, NULL);
    }
    sd_bus_message_unref(reply);
    return r;
}

static bool under(const char *path, const char *root, int depth)
{
    size_t len = strlen(root);
    int levels = 0;

    if (strcmp(root, "/") == 0) {
        len = 0;
    } else if (strncmp(path, root, len) != 0 || path[len] != '/') {
        return false;
    }
    for (const char *p = path + len; *p; p++) {
        levels += *p == '/';
    }
    return levels >= 1 && (depth <= 0 || levels <= depth);
}

static bool root_known(const char *root)
{
    char trimmed[TEXT_MAX];
    size_t len;

    (void) snprintf(trimmed, sizeof(trimmed), "%s", root);
    len = strlen(trimmed);
    if (len > 1 && trimmed[len - 1] == '/') {
        trimmed[len - 1] = '\0';
    }
    for (size_t i = 0; i < ENTRIES_MAX; i++) {
        if (entries[i].used && strcmp(entries[i].path, trimmed) == 0) {
            return true;
        }
    }
    return false;
}

static int subtree(sd_bus_message *m, sd_bus_error *error, bool paths_only)
{
    sd_bus_message *reply = NULL;
    const char *root_in;
    char root[TEXT_MAX];
    int32_t depth;
    char **ifaces = NULL;
    size_t len;
    int r;

    r = sd_bus_message_read(m, "si", &root_in, &depth);
    if (r >= 0) {
        r = sd_bus_message_read_strv(m, &ifaces);
    }
    if (r < 0) {
        return r;
    }
    (void) snprintf(root, sizeof(root), "%s", root_in);
    len = strlen(root);
    if (len > 1 && root[len - 1] == '/') {
        root[len - 1] = '\0';
    }
    if (!root_known(root)) {
        for (char **i = ifaces; i && *i; i++) {
            free(*i);
        }
        free(ifaces);
        return sd_bus_error_set(error, NOT_FOUND, "The resource is not found.");
    }
    r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0) {
        r = sd_bus_message_open_container(reply, 'a', paths_only ? "s" : "{sa{sas}}");
    }
    for (size_t i = 0; r >= 0 && i < ENTRIES_MAX; i++) {
        const Entry *e = &entries[i];
        if (!e->used || !under(e->path, root, depth) || !has_any(e, ifaces)) {
            continue;
        }
        if (paths_only) {
            r = sd_bus_message_append(reply, "s", e->path);
            continue;
        }
        /* One service per entry: good enough for a double (paths with two owners repeat). */
        r = sd_bus_message_open_container(reply, 'e', "sa{sas}");
        if (r >= 0) {
            r = sd_bus_message_append(reply, "s", e->path);
        }
        if (r >= 0) {
            r = sd_bus_message_open_container(reply, 'a', "{sas}");
        }
        if (r >= 0) {
            r = sd_bus_message_open_container(reply, 'e', "sas");
        }
        if (r >= 0) {
            r = sd_bus_message_append(reply, "s", e->service);
        }
        if (r >= 0) {
            r = append_interfaces(reply, e);
        }
        for (int k = 0; r >= 0 && k < 3; k++) {
            r = sd_bus_message_close_container(reply);
        }
    }
    for (char **i = ifaces; i && *i; i++) {
        free(*i);
    }
    free(ifaces);
    if (r >= 0) {
        r = sd_bus_message_close_container(reply);
    }
    if (r >= 0) {
        r = sd_bus_send(NULL, reply, NULL);
    }
    sd_bus_message_unref(reply);
    return r;
}

static int method_get_subtree(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    (void) userdata;
    return subtree(m, error, false);
}

static int method_get_subtree_paths(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    (void) userdata;
    return subtree(m, error, true);
}

static const sd_bus_vtable mapper_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("GetObject", "sas", "a{sas}", method_get_object, 0),
    SD_BUS_METHOD("GetSubTree", "sias", "a{sa{sas}}", method_get_subtree, 0),
    SD_BUS_METHOD("GetSubTreePaths", "sias", "as", method_get_subtree_paths, 0),
    SD_BUS_VTABLE_END,
};

int main(void)
{
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    char **names = NULL;
    int r;

    r = sd_bus_open_system(&bus);
    if (r < 0) {
        fprintf(stderr, "mapper-double: no system bus: %s\n", strerror(-r));
        return 1;
    }
    r = sd_bus_add_object_vtable(bus, NULL, MAPPER_PATH, MAPPER_IFACE, mapper_vtable, NULL);
    if (r >= 0) {
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed,
                                NULL);
    }
    if (r >= 0) {
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "ListNames", &error, &reply, "");
    }
    if (r >= 0) {
        r = sd_bus_message_read_strv(reply, &names);
    }
    sd_bus_message_unref(reply);
    for (char **n = names; r >= 0 && n && *n; n++) {
        if (wanted(*n)) {
            learn(*n);
        }
        free(*n);
    }
    free(names);
    if (r >= 0) {
        r = sd_bus_request_name(bus, MAPPER_NAME, 0);
    }
    if (r < 0) {
        fprintf(stderr, "mapper-double: setup failed: %s\n", strerror(-r));
        return 1;
    }
    printf("mapper-double: ready\n");
    fflush(stdout);
    for (;;) {
        r = sd_bus_process(bus, NULL);
        if (r < 0) {
            break;
        }
        if (r > 0) {
            continue;
        }
        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0) {
            break;
        }
    }
    sd_bus_flush_close_unref(bus);
    return r < 0 && r != -ECONNRESET ? 1 : 0;
}
