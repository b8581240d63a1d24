//! bpf(2) for the cgroup v2 device controller (owned by the @oci/cgroups work).
