/**
 * The version lines, in runc's layout (`runc --version`: "runc version X",
 * "commit: ...", "spec: ...", then "go: ..." and "libseccomp: ..."), so tools
 * that parse runc's can parse ours: "oci-ts version X", "commit: ...",
 * "spec: ...", then "node: ..." and "seccomp: @oci/seccomp X". The spec
 * version has one source, @oci/spec's OCI_VERSION (also what `spec` writes
 * and what `features` reports as ociVersionMax).
 */
// Replaced by the bundler (scripts/bundle.mjs); absent when running the tsc output.
declare const OCI_TS_VERSION: string | undefined;
declare const OCI_TS_COMMIT: string | undefined;
declare const OCI_SPEC_VERSION: string | undefined;
declare const OCI_SECCOMP_VERSION: string | undefined;

export function version(): string {
  return typeof OCI_TS_VERSION === 'string' ? OCI_TS_VERSION : '0.1.0';
}

/** The runtime-spec version oci-ts implements (@oci/spec's OCI_VERSION). */
export async function specVersion(): Promise<string> {
  if (typeof OCI_SPEC_VERSION === 'string') return OCI_SPEC_VERSION;
  return (await import('@oci/spec')).OCI_VERSION;
}

/** Every line after the first ("commit: ..." onwards). */
export async function versionDetails(): Promise<string[]> {
  return [
    `commit: ${typeof OCI_TS_COMMIT === 'string' && OCI_TS_COMMIT ? OCI_TS_COMMIT : version()}`,
    `spec: ${await specVersion()}`,
    `node: ${process.version}`,
    `seccomp: @oci/seccomp ${typeof OCI_SECCOMP_VERSION === 'string' ? OCI_SECCOMP_VERSION : version()}`,
  ];
}
