#include "net/certs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/result.h"

namespace baton::net {
namespace {

constexpr long kValiditySeconds = 10L * 365 * 24 * 60 * 60;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(FILE* p) const { std::fclose(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;

Status OpenSslError(const std::string& what) {
  std::string message = what;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    message += std::string(": ") + buf;
  }
  return Status::IOError(message);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status EnsureDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("mkdir " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// Opens a new file for writing with `mode`; fails if it exists.
Result<std::unique_ptr<FILE, Free>> CreateFile(const std::string& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(path);
    return Status::IOError("open " + path + ": " + std::strerror(errno));
  }
  FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) {
    ::close(fd);
    return Status::IOError("fdopen " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<FILE, Free>(f);
}

Status WriteKey(const std::string& path, EVP_PKEY* key) {
  BATON_ASSIGN_OR_RETURN(auto f, CreateFile(path, 0600));
  if (PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("write " + path);
  }
  if (std::fflush(f.get()) != 0) return Status::IOError("flush " + path);
  return Status::Ok();
}

Status WriteCert(const std::string& path, X509* cert) {
  BATON_ASSIGN_OR_RETURN(auto f, CreateFile(path, 0644));
  if (PEM_write_X509(f.get(), cert) != 1) return OpenSslError("write " + path);
  if (std::fflush(f.get()) != 0) return Status::IOError("flush " + path);
  return Status::Ok();
}

Result<KeyPtr> NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("generate EC P-256 key");
  return key;
}

// A certificate for `key` with subject CN=`cn`, a random serial and a
// 10-year validity; issuer and extensions are set by the caller.
Result<CertPtr> NewCert(EVP_PKEY* key, const std::string& cn) {
  CertPtr cert(X509_new());
  std::unique_ptr<BIGNUM, Free> serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1) {
    return OpenSslError("build certificate for " + cn);
  }
  return cert;
}

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError("add extension " + value);
  }
  return Status::Ok();
}

Status Sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) == 0) return OpenSslError("sign certificate");
  return Status::Ok();
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool IsUsableName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "ca" || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<CertPtr> ReadCert(const std::string& path) {
  std::unique_ptr<FILE, Free> f(std::fopen(path.c_str(), "r"));
  if (!f) return Status::NotFound(path);
  CertPtr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) return OpenSslError("read " + path);
  return cert;
}

Result<KeyPtr> ReadKey(const std::string& path) {
  std::unique_ptr<FILE, Free> f(std::fopen(path.c_str(), "r"));
  if (!f) return Status::NotFound(path);
  KeyPtr key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!key) return OpenSslError("read " + path);
  return key;
}

}  // namespace

CertFiles CertFilesFor(const std::string& dir, const std::string& name) {
  return CertFiles{dir + "/ca.pem", dir + "/" + name + ".pem", dir + "/" + name + ".key"};
}

Status InitCa(const std::string& dir) {
  BATON_RETURN_IF_ERROR(EnsureDir(dir));
  const std::string cert_path = dir + "/ca.pem";
  const std::string key_path = dir + "/ca.key";
  if (Exists(cert_path) || Exists(key_path)) return Status::AlreadyExists(cert_path);
  BATON_ASSIGN_OR_RETURN(KeyPtr key, NewKey());
  BATON_ASSIGN_OR_RETURN(CertPtr cert, NewCert(key.get(), "baton-ca"));
  X509* c = cert.get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) return OpenSslError("set issuer");
  BATON_RETURN_IF_ERROR(AddExtension(c, c, NID_basic_constraints, "critical,CA:TRUE"));
  BATON_RETURN_IF_ERROR(AddExtension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"));
  BATON_RETURN_IF_ERROR(AddExtension(c, c, NID_subject_key_identifier, "hash"));
  BATON_RETURN_IF_ERROR(Sign(c, key.get()));
  BATON_RETURN_IF_ERROR(WriteKey(key_path, key.get()));
  return WriteCert(cert_path, c);
}

Status IssueCert(const std::string& dir, const std::string& name,
                 const std::vector<std::string>& hosts) {
  if (!IsUsableName(name)) return Status::InvalidArgument("unusable node name '" + name + "'");
  std::string san = "DNS:" + name + ",IP:127.0.0.1";
  for (const std::string& host : hosts) {
    if (host.empty() || host.find(',') != std::string::npos) {
      return Status::InvalidArgument("unusable host '" + host + "'");
    }
    san += (IsIpLiteral(host) ? ",IP:" : ",DNS:") + host;
  }
  const CertFiles files = CertFilesFor(dir, name);
  if (Exists(files.cert_file) || Exists(files.key_file)) {
    return Status::AlreadyExists(files.cert_file);
  }
  BATON_ASSIGN_OR_RETURN(CertPtr ca, ReadCert(files.ca_file));
  BATON_ASSIGN_OR_RETURN(KeyPtr ca_key, ReadKey(dir + "/ca.key"));
  BATON_ASSIGN_OR_RETURN(KeyPtr key, NewKey());
  BATON_ASSIGN_OR_RETURN(CertPtr cert, NewCert(key.get(), name));
  X509* c = cert.get();
  if (X509_set_issuer_name(c, X509_get_subject_name(ca.get())) != 1) {
    return OpenSslError("set issuer");
  }
  BATON_RETURN_IF_ERROR(AddExtension(c, ca.get(), NID_basic_constraints, "critical,CA:FALSE"));
  BATON_RETURN_IF_ERROR(AddExtension(c, ca.get(), NID_key_usage, "critical,digitalSignature"));
  BATON_RETURN_IF_ERROR(AddExtension(c, ca.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
  BATON_RETURN_IF_ERROR(AddExtension(c, ca.get(), NID_subject_alt_name, san));
  BATON_RETURN_IF_ERROR(AddExtension(c, ca.get(), NID_authority_key_identifier, "keyid:always"));
  BATON_RETURN_IF_ERROR(Sign(c, ca_key.get()));
  BATON_RETURN_IF_ERROR(WriteKey(files.key_file, key.get()));
  return WriteCert(files.cert_file, c);
}

}  // namespace baton::net
