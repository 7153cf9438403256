# SPDX-License-Identifier: Apache-2.0
SUMMARY = "statebus: a state bus for multi-node OpenBMC servers over MQTT"
DESCRIPTION = "statebus-agent publishes one BMC's BMC/chassis/host/boot-progress state over \
MQTT and carries out power commands; statebus-coordinator derives the system-wide (instance 0) \
state, gates power-on until every BMC is Ready and keeps its request queue; statebusctl is the \
obmcutil-like CLI; statebus-redfish serves the system as Redfish resources; statebus-dbus \
presents the system as phosphor-state-manager's instance 0 on D-Bus."
LICENSE = "Apache-2.0"
LIC_FILES_CHKSUM = "file://LICENSE;md5=3b83ef96387f14655fc854ddc3c6bd57"

# The source is the layer's to set: this recipe ships inside the statebus repository, which
# does not know where a layer mirrors it. A layer copies the recipe (or a .bbappend) and sets
#   STATEBUS_GIT_URI = "github.com/<org>/statebus.git"   (host/path, no scheme)
#   SRCREV = "<the 40-hex commit of the release it ships>"
# For a checkout on the build host use externalsrc instead (INHERIT += "externalsrc",
# EXTERNALSRC:pn-statebus = "/path/to/statebus"). Until the URI is set, do_fetch stops with
# that message (statebus.invalid is a reserved name that never resolves).
STATEBUS_GIT_URI ??= "statebus.invalid/statebus.git"
SRC_URI = "git://${STATEBUS_GIT_URI};branch=main;protocol=https;destsuffix=git"
# Pinned: the commit this recipe was last checked against (scripts/test.sh checks the LICENSE
# checksum at it). Never AUTOREV: an image must rebuild the same.
SRCREV = "c07168c0d9aadd36b85c5a4eff4f454f76e0c551"
PV = "0.1.0+git"
# The checkout is "git" (destsuffix) in UNPACKDIR (Yocto 5.1 on; WORKDIR before, where
# UNPACKDIR is not set).
UNPACKDIR ??= "${WORKDIR}"
S = "${UNPACKDIR}/git"

python do_fetch:prepend() {
    if d.getVar("STATEBUS_GIT_URI").startswith("statebus.invalid/"):
        bb.fatal("statebus: set STATEBUS_GIT_URI (and SRCREV) in your layer: see the recipe's comment")
}

inherit cmake pkgconfig systemd

DEPENDS = "mosquitto cjson systemd"

# Every option switches a CMake option, so a backend left out is not compiled or linked:
#   gpio            the agent's gpio backend (x86-power-control's lines; libgpiod 1.6 or 2.x:
#                   CMake picks the API by the version meta-oe provides)
#   dbus            the agent's dbus backend (mirrors phosphor-state-manager over sd-bus)
#   redfish         statebus-redfish, the reference Redfish bridge (libmicrohttpd, meta-oe)
#   dbus-presenter  statebus-dbus: the system as PSM instance 0 on the BMC's D-Bus; opt-in,
#                   for the BMC that should answer bmcweb/obmcutil for the whole system
# libsystemd (sd-event, sd-bus, sd_notify) is needed by every daemon, so dbus adds no DEPENDS.
PACKAGECONFIG ??= "gpio dbus"
PACKAGECONFIG[gpio] = "-DSTATEBUS_BACKEND_GPIO=ON,-DSTATEBUS_BACKEND_GPIO=OFF,libgpiod"
PACKAGECONFIG[dbus] = "-DSTATEBUS_BACKEND_DBUS=ON,-DSTATEBUS_BACKEND_DBUS=OFF"
PACKAGECONFIG[redfish] = "-DSTATEBUS_REDFISH=ON,-DSTATEBUS_REDFISH=OFF,libmicrohttpd libxcrypt"
PACKAGECONFIG[dbus-presenter] = "-DSTATEBUS_DBUS=ON,-DSTATEBUS_DBUS=OFF"

# Tests (cmocka, python3-paho-mqtt) are not built for the target. Warnings are not errors
# under another compiler than the one statebus's CI runs (CMake defaults to that when
# cross-compiling too; said here so a native build of the recipe behaves the same).
EXTRA_OECMAKE = " \
    -DSTATEBUS_BUILD_TESTS=OFF \
    -DSTATEBUS_WERROR=OFF \
    -DSTATEBUS_SYSTEMD_UNIT_DIR=${systemd_system_unitdir} \
    -DSTATEBUS_SYSTEMD_PRESET_DIR=${systemd_unitdir}/system-preset \
"

PACKAGE_BEFORE_PN = " \
    ${PN}-agent ${PN}-coordinator ${PN}-ctl ${PN}-redfish ${PN}-dbus ${PN}-broker-config \
"

SYSTEMD_PACKAGES = "${PN}-agent ${PN}-coordinator \
    ${@bb.utils.contains('PACKAGECONFIG', 'redfish', '${PN}-redfish', '', d)} \
    ${@bb.utils.contains('PACKAGECONFIG', 'dbus-presenter', '${PN}-dbus', '', d)} \
"
# Enabled, but it starts only once /etc/statebus/agent.json exists (ConditionPathExists=): the
# node number and broker are the image's or the admin's to write (examples in ${PN}-doc).
# READY=1 comes when the backend is up, so a broker that is away never holds
# multi-user.target (TimeoutStartSec=30 bounds the local start).
SYSTEMD_SERVICE:${PN}-agent = "statebus-agent.service"
# Templates: one instance per system (statebus-coordinator@rack1.service), enabled by the image
# or the admin, not started blindly.
SYSTEMD_SERVICE:${PN}-coordinator = "statebus-coordinator@.service"
SYSTEMD_AUTO_ENABLE:${PN}-coordinator = "disable"
SYSTEMD_SERVICE:${PN}-redfish = "statebus-redfish@.service"
SYSTEMD_AUTO_ENABLE:${PN}-redfish = "disable"
SYSTEMD_SERVICE:${PN}-dbus = "statebus-dbus.service"

# Every file `cmake --install` lays out is in exactly one package (scripts/test.sh checks this
# against a real install: packaging/check-recipe-files.py). Man pages, the READMEs and the
# example configs are ${PN}-doc's by bitbake.conf's defaults (${docdir}, ${mandir}).
FILES:${PN}-agent = " \
    ${bindir}/statebus-agent \
    ${systemd_system_unitdir}/statebus-agent.service \
"
FILES:${PN}-coordinator = " \
    ${bindir}/statebus-coordinator \
    ${systemd_system_unitdir}/statebus-coordinator@.service \
"
FILES:${PN}-ctl = " \
    ${bindir}/statebusctl \
    ${datadir}/bash-completion/completions/statebusctl \
"
FILES:${PN}-redfish = " \
    ${bindir}/statebus-redfish \
    ${bindir}/statebus-redfish-passwd \
    ${systemd_system_unitdir}/statebus-redfish@.service \
"
# statebus-dbus takes over PSM's instance-0 names: its drop-ins skip PSM's instance-0 units
# while it is installed, and its preset enables it where the image applies presets.
FILES:${PN}-dbus = " \
    ${bindir}/statebus-dbus \
    ${systemd_system_unitdir}/statebus-dbus.service \
    ${systemd_system_unitdir}/*.service.d/statebus-dbus.conf \
    ${systemd_unitdir}/system-preset/80-statebus-dbus.preset \
"
FILES:${PN}-broker-config = "${datadir}/statebus/broker-config"
# Replaces the default (which would also claim ${datadir}/statebus/broker-config): the JSON
# Schemas of the topics' payloads and the Grafana dashboard, for tools that read the bus.
FILES:${PN} = " \
    ${datadir}/statebus/schema \
    ${datadir}/statebus/grafana \
"

# The agent and the coordinator talk to a broker that may run elsewhere; on a BMC that hosts it:
RRECOMMENDS:${PN}-coordinator = "mosquitto ${PN}-broker-config"
ALLOW_EMPTY:${PN} = "1"
