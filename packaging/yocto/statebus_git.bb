# SPDX-License-Identifier: Apache-2.0
SUMMARY = "statebus: a state bus for multi-node OpenBMC servers over MQTT"
DESCRIPTION = "statebus-agent publishes one BMC's BMC/chassis/host/boot-progress state over \
MQTT and carries out power commands; statebus-coordinator derives the system-wide (instance 0) \
state, gates power-on until every BMC is Ready and keeps its request queue; statebusctl is the \
obmcutil-like CLI; statebus-redfish serves the system as Redfish resources."
LICENSE = "Apache-2.0"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/Apache-2.0;md5=89aea4e17d99a7cacdbeed46a0096b10"

# Where the layer fetches statebus from: set STATEBUS_GIT_URI (host/path, no scheme) and SRCREV
# in the layer or local.conf; for a checkout on the build host use externalsrc instead
# (INHERIT += "externalsrc", EXTERNALSRC:pn-statebus = "/path/to/statebus").
STATEBUS_GIT_URI ??= "github.com/openbmc/statebus"
SRC_URI = "git://${STATEBUS_GIT_URI};branch=main;protocol=https"
SRCREV ??= "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

inherit cmake pkgconfig systemd

DEPENDS = "mosquitto cjson libgpiod systemd"

# Backends and extras. gpio drives the power lines through libgpiod (v1 API); dbus mirrors
# phosphor-state-manager over sd-bus (libsystemd); both are compiled into the agent today (the
# top-level CMakeLists.txt requires libgpiod), so their entries only carry the dependencies.
# redfish is the reference bridge (libmicrohttpd, meta-oe). Tests (cmocka, python3-paho-mqtt)
# are not built for the target.
PACKAGECONFIG ??= "gpio dbus"
PACKAGECONFIG[gpio] = ",,libgpiod"
PACKAGECONFIG[dbus] = ",,systemd"
PACKAGECONFIG[redfish] = "-DSTATEBUS_REDFISH=ON,-DSTATEBUS_REDFISH=OFF,libmicrohttpd"

EXTRA_OECMAKE = " \
    -DSTATEBUS_BUILD_TESTS=OFF \
    -DSTATEBUS_SYSTEMD_UNIT_DIR=${systemd_system_unitdir} \
"

PACKAGE_BEFORE_PN = "${PN}-agent ${PN}-coordinator ${PN}-ctl ${PN}-redfish ${PN}-broker-config"

SYSTEMD_PACKAGES = "${PN}-agent ${PN}-coordinator"
SYSTEMD_SERVICE:${PN}-agent = "statebus-agent.service"
# A template: one instance per system (statebus-coordinator@rack1.service), enabled by the
# image or the admin, not started blindly.
SYSTEMD_SERVICE:${PN}-coordinator = "statebus-coordinator@.service"
SYSTEMD_AUTO_ENABLE:${PN}-coordinator = "disable"

FILES:${PN}-agent = " \
    ${bindir}/statebus-agent \
    ${systemd_system_unitdir}/statebus-agent.service \
    ${mandir}/man8/statebus-agent.8* \
"
FILES:${PN}-coordinator = " \
    ${bindir}/statebus-coordinator \
    ${systemd_system_unitdir}/statebus-coordinator@.service \
    ${mandir}/man8/statebus-coordinator.8* \
"
FILES:${PN}-ctl = " \
    ${bindir}/statebusctl \
    ${mandir}/man1/statebusctl.1* \
    ${datadir}/bash-completion/completions/statebusctl \
"
FILES:${PN}-redfish = " \
    ${bindir}/statebus-redfish \
    ${mandir}/man8/statebus-redfish.8* \
"
FILES:${PN}-broker-config = "${datadir}/statebus/broker-config"
FILES:${PN} += "${datadir}/statebus"

# The agent and the coordinator talk to a broker that may run elsewhere; on a BMC that hosts it:
RRECOMMENDS:${PN}-coordinator = "mosquitto ${PN}-broker-config"
RDEPENDS:${PN}-agent = "${@bb.utils.contains('PACKAGECONFIG', 'gpio', 'libgpiod', '', d)}"
ALLOW_EMPTY:${PN} = "1"
