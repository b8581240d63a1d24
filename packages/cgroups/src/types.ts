/**
 * runtime-spec `linux.resources` types (config-linux.md "Control groups"),
 * typed structurally so @oci/spec's `LinuxResources` is assignable to them.
 * Kept local so this package compiles and installs alone.
 */
export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: string; // 'a' | 'c' | 'b'
  major?: number | null;
  minor?: number | null;
  access?: string; // subset of 'rwm'
}
export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}
export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}
export interface LinuxPids {
  limit?: number;
}
export interface LinuxWeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}
export interface LinuxThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}
export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}
export interface LinuxHugepageLimit {
  pageSize: string;
  limit: number;
}
export interface LinuxInterfacePriority {
  name: string;
  priority: number;
}
export interface LinuxNetwork {
  classID?: number;
  priorities?: LinuxInterfacePriority[];
}
export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  rdma?: Record<string, LinuxRdma>;
  unified?: Record<string, string>;
}
