// Fuzzes what a client sends the authorisation server before anything is trusted: SMART
// scope strings and client assertions (compact JWS) against a registered JWKS. Properties:
// no crash, no hang, and no assertion verifies (the fuzzer holds no private key, so any
// acceptance would be a forgery).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/scopes.h"
#include "core/json.h"
#include "crypto/jose.h"

namespace {

// Public keys only (made for this target with openssl; the private halves were discarded).
const salus::json::Value& Jwks() {
  static const auto* jwks = new salus::json::Value(*salus::json::Parse(R"({"keys":[
    {"kty":"EC","crv":"P-384","alg":"ES384","kid":"ec","x":"ERvFywQv15xKjCFnPBtzP9RPMNeBdaxLqLIUAlcToYIPRv96VFKqdUw9zYhgJGYP","y":"E6gJ2NK2h4LgdV53mtfTBBof4J1LLL28I3wtPzJSMWuz-CHBCM5wm91OMcmGxm0G"},
    {"kty":"RSA","alg":"RS384","kid":"rsa","e":"AQAB","n":"3rUI5rvAWM4zaZGjXpf-kZdjWwYi6XSEeLh1G1Zdurfuqw7liE5IiBr6fXpsNxd-hbD6vKmsx6owK42ocvaF4iNd2TR67MBTU-yOTC8VVBiDX0R1nO1FYQerFQjh78gkz_hwJvG_cZNIN-pe8TZWj1nrD6nmC-5F_MsiZn_Ke3gjzx9CVdw15XiKtHbxaKL9HnyGkzKn7XUPdW4nc3OJpWS94VwvY5oy0WLDMib2-jwmcnDLYc68TIcHo14RdDqhSiW2un8DrRchrlJvK16vlboUDiJZgG5IJXzHl7RAne7te-UwY-Igw_j19vweCZNOK_3bXZDtkEzFL7hHTwPONw"}]})"));
  return *jwks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto scopes = salus::auth::ParseScopes(in);
  (void)scopes.ToString();
  for (const auto& r : scopes.resources) {
    if (r.permissions == 0 || r.permissions > salus::auth::kAllPermissions) std::abort();
  }
  if (salus::crypto::VerifyJws(in, Jwks())) std::abort();  // a forgery verified
  return 0;
}
