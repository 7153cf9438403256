/* SPDX-License-Identifier: Apache-2.0 */
/* Intrusive node lists: O(1) membership changes for the rollup, gate and progress indexes. */
#include "node-list.h"

#include <errno.h>
#include <stdlib.h>

int node_links_init(NodeLinks *links, uint32_t nodes)
{
    links->prev = calloc((size_t) nodes + 1, sizeof(uint32_t));
    links->next = calloc((size_t) nodes + 1, sizeof(uint32_t));
    if (!links->prev || !links->next) {
        node_links_done(links);
        return -ENOMEM;
    }
    return 0;
}

void node_links_done(NodeLinks *links)
{
    free(links->prev);
    free(links->next);
    links->prev = NULL;
    links->next = NULL;
}

void node_list_push(NodeList *list, NodeLinks *links, uint32_t node)
{
    links->prev[node] = list->tail;
    links->next[node] = 0;
    if (list->tail) {
        links->next[list->tail] = node;
    } else {
        list->head = node;
    }
    list->tail = node;
    list->count++;
}

void node_list_remove(NodeList *list, NodeLinks *links, uint32_t node)
{
    uint32_t prev = links->prev[node], next = links->next[node];

    if (prev) {
        links->next[prev] = next;
    } else {
        list->head = next;
    }
    if (next) {
        links->prev[next] = prev;
    } else {
        list->tail = prev;
    }
    links->prev[node] = 0;
    links->next[node] = 0;
    list->count--;
}

static int compare_node_numbers(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

    return (x > y) - (x < y);
}

void node_numbers_sort(uint32_t *nodes, size_t n)
{
    if (n > 1) {
        qsort(nodes, n, sizeof(*nodes), compare_node_numbers);
    }
}

size_t node_list_collect(const NodeList *list, const NodeLinks *links, uint32_t *ret, size_t max)
{
    size_t n = 0;

    for (uint32_t node = list->head; node && n < max; node = node_list_next(links, node)) {
        ret[n++] = node;
    }
    node_numbers_sort(ret, n);
    return n;
}
