#include "net/certs.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace baton::net {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

CertPtr LoadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  CertPtr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

// X509_verify_cert of `leaf` against a store holding only `ca`.
bool VerifiesAgainst(X509* leaf, X509* ca) {
  std::unique_ptr<X509_STORE, X509Free> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, X509Free> ctx(X509_STORE_CTX_new());
  X509_STORE_add_cert(store.get(), ca);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  return X509_verify_cert(ctx.get()) == 1;
}

class CertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/baton_certs_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CertsTest, IssuedCertVerifiesAgainstItsCaAndNamesTheNode) {
  ASSERT_TRUE(InitCa(dir_).ok());
  ASSERT_TRUE(IssueCert(dir_, "node-1", {"db1.example.net", "10.0.0.7"}).ok());
  const CertFiles files = CertFilesFor(dir_, "node-1");
  CertPtr ca = LoadCert(files.ca_file);
  CertPtr leaf = LoadCert(files.cert_file);
  ASSERT_TRUE(ca && leaf);
  EXPECT_TRUE(VerifiesAgainst(leaf.get(), ca.get()));
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);

  EXPECT_EQ(X509_check_host(leaf.get(), "node-1", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "db1.example.net", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "node-2", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "10.0.0.7", 0), 1);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(leaf.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "node-1");
}

TEST_F(CertsTest, KeysArePrivateToTheOwner) {
  ASSERT_TRUE(InitCa(dir_).ok());
  ASSERT_TRUE(IssueCert(dir_, "node-1", {}).ok());
  for (const std::string& key : {dir_ + "/ca.key", CertFilesFor(dir_, "node-1").key_file}) {
    struct stat st;
    ASSERT_EQ(::stat(key.c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << key;
  }
}

TEST_F(CertsTest, CertFromAnotherCaDoesNotVerify) {
  const std::string other = dir_ + "/other";
  ASSERT_TRUE(InitCa(dir_).ok());
  ASSERT_TRUE(InitCa(other).ok());
  ASSERT_TRUE(IssueCert(other, "node-1", {}).ok());
  CertPtr ca = LoadCert(dir_ + "/ca.pem");
  CertPtr foreign = LoadCert(CertFilesFor(other, "node-1").cert_file);
  ASSERT_TRUE(ca && foreign);
  EXPECT_FALSE(VerifiesAgainst(foreign.get(), ca.get()));
}

TEST_F(CertsTest, NeverOverwritesExistingFiles) {
  ASSERT_TRUE(InitCa(dir_).ok());
  EXPECT_EQ(InitCa(dir_).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(IssueCert(dir_, "node-1", {}).ok());
  EXPECT_EQ(IssueCert(dir_, "node-1", {}).code(), StatusCode::kAlreadyExists);
}

TEST_F(CertsTest, IssueWithoutCaIsNotFound) {
  EXPECT_TRUE(IssueCert(dir_, "node-1", {}).IsNotFound());
}

TEST_F(CertsTest, RejectsNamesThatAreNotPlainHostNames) {
  ASSERT_TRUE(InitCa(dir_).ok());
  EXPECT_TRUE(IssueCert(dir_, "", {}).IsInvalidArgument());
  EXPECT_TRUE(IssueCert(dir_, "../escape", {}).IsInvalidArgument());
  EXPECT_TRUE(IssueCert(dir_, "ca", {}).IsInvalidArgument());
  EXPECT_TRUE(IssueCert(dir_, "node-1", {"a,DNS:evil"}).IsInvalidArgument());
}

}  // namespace
}  // namespace baton::net
