/**
 * @oci/cgroups/systemd: the systemd cgroup driver (--systemd-cgroup), its own
 * entry point so that callers without systemd never load it.
 */
export { createSystemdManager, loadSystemdManager, SystemdManager, type SystemdManagerOptions, type SystemdLoadOptions, type SystemdSaved } from './manager.ts';
export { parseSystemdPath, expandSlice, DEFAULT_PREFIX, DEFAULT_SLICE, type SystemdPlacement } from './unit.ts';
export { resourceProperties, unitProperties, deviceProperties, quotaProperties, unifiedProperties, annotationProperties, rangeToBits, INFINITY, type Property } from './properties.ts';
export { Systemd, systemdBooted, systemBusPath, defaultEndpoints, parseVersion, SYSTEM_BUS, PRIVATE_SOCKET, type Endpoint, type JobResult } from './client.ts';
export { DBusConnection, DBusError, type CallOptions, type ConnectOptions } from './dbus/connection.ts';
export { marshal, unmarshal, splitSignature, DBusWireError, type DValue, type Variant } from './dbus/marshal.ts';
export { encodeMessage, decodeMessage, messageLength, MessageType, type Message } from './dbus/message.ts';
