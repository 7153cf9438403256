/* SPDX-License-Identifier: Apache-2.0 */
/* /redfish/v1/$metadata and statebus's OEM CSDL (redfish-metadata.c). Pure. */
#ifndef STATEBUS_REDFISH_METADATA_H
#define STATEBUS_REDFISH_METADATA_H

/* The $metadata document (application/xml). */
const char *redfish_metadata_xml(void);
/* StatebusOem_v1.xml, the CSDL of every Oem.Statebus object (application/xml). */
const char *redfish_oem_csdl(void);

#endif
