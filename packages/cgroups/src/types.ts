/**
 * runtime-spec `linux.resources` types (config-linux.md "Control groups"),
 * typed structurally so @oci/spec's `LinuxResources` is assignable to them.
 * Kept local so this package compiles and installs alone.
 */
/**
 * 64-bit integers: @oci/spec's parseConfig returns values beyond 2^53 as
 * bigint (exact), smaller ones as numbers. Every value is written to the
 * kernel with String(), so a bigint reaches the kernel exactly.
 */
export type Int64 = number | bigint;
export type Uint64 = number | bigint;

export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: string; // 'a' | 'c' | 'b'
  major?: Int64 | null;
  minor?: Int64 | null;
  access?: string; // subset of 'rwm'
}
export interface LinuxMemory {
  limit?: Int64;
  reservation?: Int64;
  swap?: Int64;
  kernel?: Int64;
  kernelTCP?: Int64;
  swappiness?: Uint64;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}
export interface LinuxCPU {
  shares?: Uint64;
  quota?: Int64;
  burst?: Uint64;
  period?: Uint64;
  realtimeRuntime?: Int64;
  realtimePeriod?: Uint64;
  cpus?: string;
  mems?: string;
  idle?: Int64;
}
export interface LinuxPids {
  limit?: Int64;
}
export interface LinuxWeightDevice {
  major: Int64;
  minor: Int64;
  weight?: number;
  leafWeight?: number;
}
export interface LinuxThrottleDevice {
  major: Int64;
  minor: Int64;
  /** Bytes or operations per second; 0 or unset removes the limit. */
  rate?: Uint64;
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
  limit: Int64;
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
