module oci-ts/tools/clients/probe

go 1.21
