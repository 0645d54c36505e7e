// TlsConfig: PEM file paths for the admin server and the HTTP client.
// Files are read when a server starts or a client connects; a missing or
// unreadable file is an InvalidArgument naming it, never a crash.
//
// A plain value; thread-compatible.
#pragma once

#include <string>

namespace baton::admin {

struct TlsConfig {
  // Server: when set, clients must present a certificate signed by this CA
  // (mutual TLS). Client: the CA that signs the server's certificate; when
  // empty, the system trust store.
  std::string ca_file{};
  // Server: the certificate chain it presents; TLS is on exactly when this is
  // set. Client: an optional client certificate for mutual TLS.
  std::string cert_file{};
  // The private key of cert_file. REQUIRED whenever cert_file is set.
  std::string key_file{};
};

}  // namespace baton::admin
