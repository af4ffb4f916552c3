// Password hashing: argon2id for new hashes, Werkzeug pbkdf2/scrypt for legacy ones (expected
// values computed with Python's hashlib, which Werkzeug uses), rehash on successful login.
#include "db/passwords.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include "db/database.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

// hashlib.pbkdf2_hmac('sha256', b'secret', b'somesalt', 1000).hex()
constexpr const char* kPbkdf2Secret =
    "pbkdf2:sha256:1000$somesalt$bea26aca07f6b68afeda85e5ea55a29e8eb26fa6e1b2f38acaf42ffc68bde2e1";
// hashlib.pbkdf2_hmac('sha512', 'pässwörd'.encode(), b'NaCl', 2000).hex()
constexpr const char* kPbkdf2Sha512Utf8 =
    "pbkdf2:sha512:2000$NaCl$2f6a8fbfd5b486a238b16cf9372fdc1205ad22ca2c3567d4724b50f085ff076b16a5a"
    "b0b6f41651ec151c0067bb54c62074c81e4d090e5a6dc71d22765051e52";
// hashlib.pbkdf2_hmac('sha256', b'', b'emptysalt', 1000).hex()
constexpr const char* kPbkdf2Empty =
    "pbkdf2:sha256:1000$emptysalt$4e1fc6818483577378669931dd3a45951fcf3f20944ab67b4101702b1c9dfe8a";
// hashlib.scrypt(b'secret', salt=b'saltysalt', n=1024, r=8, p=1, dklen=64).hex()
constexpr const char* kScryptSecret =
    "scrypt:1024:8:1$saltysalt$7bcd147767e5d2c57f085802108dfd0ee1085bea685667527c7da5bff522c8992"
    "396dcdb5b1bd0ae0708bd7e35f84c1b442e24df87ccfd629eb654ccb8218211";

TEST(Passwords, NewHashesAreArgon2idAndSalted) {
  const auto a = hash_password("correct horse");
  const auto b = hash_password("correct horse");
  EXPECT_TRUE(a.starts_with("$argon2id$v=19$")) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password("correct horse", a));
  EXPECT_TRUE(verify_password("correct horse", b));
  EXPECT_FALSE(verify_password("correct horsE", a));
  EXPECT_FALSE(verify_password("", a));
  EXPECT_FALSE(needs_rehash(a));
}

TEST(Passwords, EmptyPasswordHashesAndVerifies) {
  const auto hash = hash_password("");
  EXPECT_TRUE(verify_password("", hash));
  EXPECT_FALSE(verify_password(" ", hash));
}

TEST(Passwords, WerkzeugPbkdf2Verifies) {
  EXPECT_TRUE(verify_password("secret", kPbkdf2Secret));
  EXPECT_FALSE(verify_password("Secret", kPbkdf2Secret));
  EXPECT_FALSE(verify_password("secret ", kPbkdf2Secret));
  EXPECT_TRUE(verify_password("pässwörd", kPbkdf2Sha512Utf8));
  EXPECT_FALSE(verify_password("passwort", kPbkdf2Sha512Utf8));
  EXPECT_TRUE(verify_password("", kPbkdf2Empty));
  EXPECT_FALSE(verify_password("x", kPbkdf2Empty));
  EXPECT_TRUE(needs_rehash(kPbkdf2Secret));
}

TEST(Passwords, WerkzeugScryptVerifies) {
  EXPECT_TRUE(verify_password("secret", kScryptSecret));
  EXPECT_FALSE(verify_password("secreT", kScryptSecret));
  EXPECT_TRUE(needs_rehash(kScryptSecret));
}

TEST(Passwords, MalformedOrUnknownHashesNeverMatch) {
  for (const char* hash : {"", "secret", "pbkdf2:sha256$somesalt$00", "pbkdf2:sha256:abc$s$00",
                           "pbkdf2:nosuchdigest:1000$s$00", "pbkdf2:sha256:0$somesalt$00",
                           "pbkdf2:sha256:1000$somesalt$bea26a",  // truncated digest
                           "pbkdf2:sha256:99999999999$s$00",      // absurd cost
                           "scrypt:1024:8$saltysalt$00", "scrypt:1000000000:8:1$s$00",
                           "md5$salt$5ebe2294ecd0e0f08eab7690d2a6ee69", "$argon2id$garbage",
                           "$2b$12$abcdefghijklmnopqrstuv"}) {
    EXPECT_FALSE(verify_password("secret", hash)) << hash;
    EXPECT_TRUE(needs_rehash(hash)) << hash;
  }
  // The hex digest must match in full, not as a prefix.
  EXPECT_FALSE(verify_password("secret", std::string(kPbkdf2Secret) + "00"));
}

TEST(Passwords, WeakerArgon2NeedsRehash) {
  char weak[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(weak, "pw", 2, crypto_pwhash_OPSLIMIT_MIN,
                                  crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_TRUE(verify_password("pw", weak));
  EXPECT_TRUE(needs_rehash(weak));
}

class VerifyAndUpgrade : public ::testing::Test {
 protected:
  std::int64_t add_user(const std::optional<std::string>& hash) {
    db_.conn.execute(
        "INSERT INTO users (name, surname, role_id, disabled, deleted, password_hash) "
        "VALUES ('u', 's', 1, 0, 0, ?)",
        hash);
    return db_.conn.last_insert_rowid();
  }
  std::optional<std::string> stored(std::int64_t user) {
    return db_.conn.query_one<std::optional<std::string>>(
        "SELECT password_hash FROM users WHERE user_id = ?", user);
  }
  test::TempDir dir_;
  Database db_ = open_database(dir_.file("db.sqldb"));
};

TEST_F(VerifyAndUpgrade, LegacyHashIsReplacedByArgon2idAfterSuccess) {
  const auto user = add_user(kPbkdf2Secret);
  EXPECT_FALSE(verify_and_upgrade(db_.conn, user, "wrong"));
  EXPECT_EQ(stored(user), kPbkdf2Secret);
  EXPECT_TRUE(verify_and_upgrade(db_.conn, user, "secret"));
  const auto hash = stored(user);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_and_upgrade(db_.conn, user, "secret"));
  EXPECT_EQ(stored(user), hash);  // a current hash is kept as it is
}

TEST_F(VerifyAndUpgrade, ScryptHashIsReplacedToo) {
  const auto user = add_user(kScryptSecret);
  EXPECT_TRUE(verify_and_upgrade(db_.conn, user, "secret"));
  EXPECT_TRUE(stored(user)->starts_with("$argon2id$"));
}

TEST_F(VerifyAndUpgrade, NoPasswordOrNoUserNeverLogsIn) {
  EXPECT_FALSE(verify_and_upgrade(db_.conn, add_user(std::nullopt), ""));
  EXPECT_FALSE(verify_and_upgrade(db_.conn, add_user(std::string()), ""));
  EXPECT_FALSE(verify_and_upgrade(db_.conn, 987654, ""));
}

TEST_F(VerifyAndUpgrade, TheSeededAdminHasNoPasswordAnyoneCouldKnow) {
  const auto admin = db_.conn.query_one<std::int64_t>(
      "SELECT user_id FROM users WHERE name = 'admin' AND surname = 'admin'");
  for (const char* guess : {"admin", "Admin", "", "password"})
    EXPECT_FALSE(verify_and_upgrade(db_.conn, admin, guess)) << guess;
}

}  // namespace
}  // namespace fabomatic::db
