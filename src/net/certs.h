// Certificates for the cluster's mutual TLS (OpenSSL), used by
// `baton certs init|issue` and by tests.
//
// A directory holds one cluster CA (ca.pem, ca.key) and any number of node
// certificates (<name>.pem, <name>.key). Keys are EC P-256 in PEM, written
// with mode 0600; certificates are PEM. Existing files are never overwritten:
// asking again is AlreadyExists. Errors (I/O, OpenSSL) are Statuses.
// Thread-safe (no shared state besides the files).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace baton::net {

// The paths a node's transport needs, inside `dir`.
struct CertFiles {
  std::string ca_file;    // <dir>/ca.pem
  std::string cert_file;  // <dir>/<name>.pem
  std::string key_file;   // <dir>/<name>.key
};
CertFiles CertFilesFor(const std::string& dir, const std::string& name);

// Creates `dir` if needed and writes a new CA key and a self-signed CA
// certificate (CN=baton-ca, valid 10 years) as <dir>/ca.key and <dir>/ca.pem.
Status InitCa(const std::string& dir);

// Writes <dir>/<name>.key and <dir>/<name>.pem: a node certificate signed by
// the CA in `dir`, CN=<name>, SAN DNS:<name>, IP:127.0.0.1, plus each of
// `hosts` (an IP address literal becomes an IP SAN, anything else a DNS SAN).
// Valid for client and server authentication for 10 years.
// Fails NotFound without a CA, InvalidArgument for an unusable name.
Status IssueCert(const std::string& dir, const std::string& name,
                 const std::vector<std::string>& hosts);

}  // namespace baton::net
