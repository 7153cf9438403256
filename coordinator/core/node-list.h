/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intrusive doubly-linked lists of node numbers. The links live in arrays indexed by node number
 * (one pair of arrays per "family" of lists: a node is in at most one list of a family), so
 * insert and remove are O(1) and nothing is allocated per message. Node 0 is never a member:
 * it is the nil link. The caller tracks membership; a node must not be pushed twice.
 */
#ifndef STATEBUS_COORD_NODE_LIST_H
#define STATEBUS_COORD_NODE_LIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct NodeLinks {
    uint32_t *prev; /* owned: nodes + 1 entries */
    uint32_t *next; /* owned: nodes + 1 entries */
} NodeLinks;

typedef struct NodeList {
    uint32_t head, tail; /* 0 = empty */
    uint32_t count;
} NodeList;

/* Allocates links for node numbers 0..nodes. Returns 0 or -ENOMEM. */
int node_links_init(NodeLinks *links, uint32_t nodes);
void node_links_done(NodeLinks *links);

void node_list_push(NodeList *list, NodeLinks *links, uint32_t node);
void node_list_remove(NodeList *list, NodeLinks *links, uint32_t node);

/* The member after node in list order, 0 at the end. */
static inline uint32_t node_list_next(const NodeLinks *links, uint32_t node)
{
    return links->next[node];
}

/* Copies up to max members into ret (in list order, then sorted by node number so payloads are
 * easy to read) and returns how many were copied; O(max log max). */
size_t node_list_collect(const NodeList *list, const NodeLinks *links, uint32_t *ret, size_t max);

/* Sorts node numbers ascending (small arrays: at most SB_COMMAND_NODES_MAX). */
void node_numbers_sort(uint32_t *nodes, size_t n);

#endif
