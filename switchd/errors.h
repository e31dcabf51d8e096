/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * errors.h - the named errors netctl users see, one list. The names follow
 * xapi's where xapi has one. X(NAME, what it means).
 */
#ifndef SWITCHD_ERRORS_H
#define SWITCHD_ERRORS_H

#define SD_ERRORS(X)                                                                      \
	X(UNKNOWN_VERB, "no such verb")                                                   \
	X(MISSING_PARAMETER, "a required key is missing")                                 \
	X(UNKNOWN_PARAMETER, "the verb does not take this key")                           \
	X(INVALID_VALUE, "a value is not of the expected form")                           \
	X(CONTROL_CHARACTER, "a name or value holds a control character")                 \
	X(REQUEST_INVALID, "the request is not a well-formed JSON request")               \
	X(UUID_INVALID, "no object has this uuid")                                        \
	X(MAC_INVALID, "the MAC is not a unicast, locally administered address")          \
	X(MTU_INVALID, "the MTU is outside 68..9000")                                     \
	X(DEVICE_INVALID, "the VIF device index is outside 0..15")                        \
	X(DEVICE_ALREADY_EXISTS, "the VM already has a VIF with this device")             \
	X(DEVICE_ALREADY_ATTACHED, "the object is attached already")                      \
	X(DEVICE_ALREADY_DETACHED, "the object is not attached")                          \
	X(NETDEV_NOT_FOUND, "no network interface of this name exists")                   \
	X(NETDEV_IN_USE, "the network interface is a port already")                       \
	X(NETDEV_NOT_ETHERNET, "the network interface is loopback or not Ethernet")       \
	X(PIF_ALREADY_EXISTS, "a PIF exists for this device already")                     \
	X(PIF_IN_USE, "the PIF is attached to its bridge")                                \
	X(PIF_IS_MANAGEMENT_IFACE, "the PIF carries the management address")              \
	X(PIF_IS_VLAN, "the PIF is a VLAN pseudo-PIF")                                    \
	X(PIF_VLAN_EXISTS, "the PIF has a VLAN with this tag already")                    \
	X(PIF_VLAN_STILL_EXISTS, "VLANs still use the PIF")                               \
	X(PIF_VLAN_ATTACHED, "VLAN pseudo-PIFs on the PIF are attached")                  \
	X(PIF_ALREADY_BONDED, "the PIF is a bond's member or master already")             \
	X(PIF_BOND_NEEDS_MORE_MEMBERS, "a bond needs 2 to 4 members")                     \
	X(PIF_BOND_MORE_THAN_ONE_IP, "more than one member has an IP configuration")      \
	X(CANNOT_PLUG_BOND_SLAVE, "the PIF is a bond member: its bond carries it")        \
	X(CANNOT_ADD_VLAN_TO_BOND_SLAVE, "the PIF is a bond member")                      \
	X(INCOMPATIBLE_PIF_PROPERTIES, "the members differ in MTU or backend")            \
	X(PIF_HAS_NO_NETWORK_CONFIGURATION, "the PIF has no IP configuration")            \
	X(VLAN_TAG_INVALID, "the VLAN tag is outside 1..4094")                            \
	X(NETWORK_ALREADY_CONNECTED, "the network has a PIF already")                     \
	X(NETWORK_MTU_EXCEEDS_PIF, "the network's MTU is larger than the PIF's")          \
	X(BRIDGE_NAME_INVALID, "the bridge name is not allowed")                          \
	X(BRIDGE_NAME_EXISTS, "another network has this bridge name")                     \
	X(NETWORK_CONTAINS_PIF, "PIFs are still on the network")                          \
	X(NETWORK_CONTAINS_VIF, "VIFs are still on the network")                          \
	X(IP_CONFIGURATION_INVALID, "the IP configuration is incomplete or wrong")        \
	X(INVALID_IP_ADDRESS_SPECIFIED, "an address is not an IPv4 or IPv6 address")      \
	X(VIF_IN_USE, "a VIF on the network is plugged")                                  \
	X(DHCP_CLIENT_UNAVAILABLE, "no DHCP client is installed")                         \
	X(BACKEND_UNSUPPORTED, "the port backend is not supported")                       \
	X(BACKEND_INVALID, "the backend's DPDK device arguments are malformed")           \
	X(BACKEND_UNAVAILABLE, "the backend's DPDK device cannot be opened")              \
	X(BACKEND_IN_USE, "another PIF uses this DPDK device")                            \
	X(VHOST_PATH_INVALID, "the vhost-user socket path is not usable")                 \
	X(VHOST_PATH_IN_USE, "another port or process serves this socket")                \
	X(BRIDGE_NOT_FOUND, "no network has this bridge")                                 \
	X(PORT_NOT_FOUND, "the bridge has no port of this name")                          \
	X(INTERFACE_NOT_FOUND, "no plugged PIF or VIF, no realised bridge has this name") \
	X(FILTER_INVALID, "libpcap cannot compile the capture filter")                    \
	X(TOO_MANY_CAPTURES, "as many captures run as the datapath takes")                \
	X(FILE_UNWRITABLE, "the capture's output file cannot be written")                 \
	X(DATAPATH_PORTS_EXHAUSTED, "no room for another port of this kind")              \
	X(DATAPATH_NO_BUFFERS, "no memory for the port's packet buffers")                 \
	X(DATAPATH_ERROR, "the datapath refused the change")                              \
	X(STORE_ERROR, "the configuration database failed")                               \
	X(STORE_FULL, "no room left for the configuration database")                      \
	X(STORE_MISSING, "the database file was deleted or replaced")                     \
	X(PERMISSION_DENIED, "the caller may not use switchd")                            \
	X(TOO_MANY_CONNECTIONS, "the caller holds too many connections already")          \
	X(INTERNAL_ERROR, "an unexpected failure inside switchd")

enum sd_error {
	SD_OK = 0,
#define SD_ERROR_ENUM(name, desc) SD_E_##name,
	SD_ERRORS(SD_ERROR_ENUM)
#undef SD_ERROR_ENUM
	SD_E__MAX
};

#endif
