/* SPDX-License-Identifier: Apache-2.0 */
/* libmosquitto's error and reason codes, translated in one place. */
#include <errno.h>
#include <mosquitto.h>

#include "mqtt-io.h"

int mqtt_error_to_errno(int mosq_err)
{
    switch (mosq_err) {
    case MOSQ_ERR_SUCCESS:
        return 0;
    case MOSQ_ERR_NOMEM:
        return -ENOMEM;
    case MOSQ_ERR_PROTOCOL:
    case MOSQ_ERR_MALFORMED_PACKET:
    case MOSQ_ERR_DUPLICATE_PROPERTY:
    case MOSQ_ERR_PROXY:
        return -EPROTO;
    case MOSQ_ERR_INVAL:
    case MOSQ_ERR_TOPIC_ALIAS_INVALID:
        return -EINVAL;
    case MOSQ_ERR_NO_CONN:
        return -ENOTCONN;
    case MOSQ_ERR_CONN_REFUSED:
        return -ECONNREFUSED;
    case MOSQ_ERR_NOT_FOUND:
        return -ENOENT;
    case MOSQ_ERR_CONN_LOST:
        return -ECONNRESET;
    case MOSQ_ERR_TLS:
    case MOSQ_ERR_TLS_HANDSHAKE:
    case MOSQ_ERR_OCSP:
        return -EKEYREJECTED;
    case MOSQ_ERR_PAYLOAD_SIZE:
    case MOSQ_ERR_OVERSIZE_PACKET:
        return -EMSGSIZE;
    case MOSQ_ERR_NOT_SUPPORTED:
    case MOSQ_ERR_QOS_NOT_SUPPORTED:
    case MOSQ_ERR_RETAIN_NOT_SUPPORTED:
        return -EOPNOTSUPP;
    case MOSQ_ERR_AUTH:
    case MOSQ_ERR_ACL_DENIED:
        return -EACCES;
    case MOSQ_ERR_ERRNO:
        return errno > 0 ? -errno : -EIO;
    case MOSQ_ERR_EAI:
    case MOSQ_ERR_LOOKUP:
        return -EHOSTUNREACH;
    case MOSQ_ERR_MALFORMED_UTF8:
        return -EILSEQ;
    case MOSQ_ERR_KEEPALIVE:
    case MOSQ_ERR_TIMEOUT:
        return -ETIMEDOUT;
    case MOSQ_ERR_CONN_PENDING:
        return -EINPROGRESS;
    case MOSQ_ERR_ADMINISTRATIVE_ACTION:
        return -ECONNABORTED;
    case MOSQ_ERR_ALREADY_EXISTS:
        return -EEXIST;
    default:
        return -EIO;
    }
}

const char *mqtt_io_reason_string(int reason)
{
    if (reason >= 128) {
        return mosquitto_reason_string(reason);
    }
    return mosquitto_strerror(reason);
}
