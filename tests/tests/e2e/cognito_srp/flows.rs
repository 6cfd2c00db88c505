//! End-to-end SRP tests with aws-sdk-rust: bad paths, forged tokens, injected-clock expiry, user states and the simulated challenge.

use super::*;

#[tokio::test]
async fn srp_bad_paths() {
    let env = TestEnv::start().await;
    let app = dana(&env).await;
    let bad = || (BAD_CREDS.0.to_string(), BAD_CREDS.1.to_string());

    // wrong password (a correct client computation with the wrong password)
    assert_eq!(err(app.respond(&app.answer("dana", "Wr0ng-Horse!", &now_ts(0)).await).await), bad());
    // tampered signature: one bit flipped
    let mut a = app.answer("dana", PW, &now_ts(0)).await;
    let mut sig = STANDARD.decode(&a.signature).unwrap();
    sig[0] ^= 1;
    a.signature = STANDARD.encode(sig);
    assert_eq!(err(app.respond(&a).await), bad());
    // a valid answer whose SECRET_BLOCK belongs to another challenge
    let a1 = app.answer("dana", PW, &now_ts(0)).await;
    let a2 = app.answer("dana", PW, &now_ts(0)).await;
    assert_eq!(err(app.respond(&Answer { block: a2.block.clone(), ..a1 }).await), bad());
    // a signature over a timestamp other than the one sent
    let mut a = app.answer("dana", PW, &now_ts(-1)).await;
    a.timestamp = now_ts(0);
    assert_eq!(err(app.respond(&a).await), bad());
    // stale (10 minutes) and future (10 minutes) TIMESTAMPs, correctly signed
    for off in [-600, 600] {
        assert_eq!(err(app.respond(&app.answer("dana", PW, &now_ts(off)).await).await), bad(), "{off}");
    }
    // the right instant with the wrong weekday, correctly signed over what was sent
    let t = OffsetDateTime::now_utc();
    let wrong_day = timestamp_of(t, false).replacen(&timestamp_of(t, false)[..3], if t.weekday() == time::Weekday::Monday { "Tue" } else { "Mon" }, 1);
    assert_eq!(err(app.respond(&app.answer("dana", PW, &wrong_day).await).await), bad());
    // malformed TIMESTAMPs
    let fmt = ("InvalidParameterException".to_string(), "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.".to_string());
    let iso = OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    for ts in ["yesterday", iso.as_str(), &now_ts(0).replace(" UTC", ""), &now_ts(0).to_lowercase()] {
        assert_eq!(err(app.respond(&app.answer("dana", PW, ts).await).await), fmt, "{ts}");
    }
    // after all that, the real password still works (no lockout from a handful of failures)
    app.sign_in("dana").await;

    // SRP_A ≡ 0 (mod N), and junk
    let zero = ("InvalidParameterException".to_string(), "SRP_A cannot be zero modulo N".to_string());
    let n_lower = N_HEX.to_ascii_lowercase();
    let two_n = (n() * 2u8).to_str_radix(16);
    for a in ["0", "000", N_HEX, &n_lower, &format!("00{n_lower}"), &two_n] {
        assert_eq!(err(app.initiate("dana", a).await), zero, "{a}");
    }
    let (code, _) = err(app.initiate("dana", "not-hex").await);
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = err(app.initiate("dana", &"f".repeat(100_000)).await);
    assert_eq!(code, "InvalidParameterException");
    // A = N + 1 ≡ 1 is not zero and gets a normal challenge
    assert!(app.initiate("dana", &(n() + 1u8).to_str_radix(16)).await.is_ok());
    let (code, msg) = err(app.c.initiate_auth().client_id(&app.client).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", "dana").send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("InvalidParameterException", "Missing required parameter SRP_A"));

    // unknown user: legacy client says so; with PreventUserExistenceErrors the challenge is
    // simulated and the failure looks like a wrong password
    assert_eq!(err(app.initiate("ghost", &SrpClient::new(&app.pool).srp_a()).await), ("UserNotFoundException".into(), "User does not exist.".into()));
    let hidden = app
        .c
        .create_user_pool_client()
        .user_pool_id(&app.pool)
        .client_name("hidden")
        .prevent_user_existence_errors(idp::types::PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let hidden = App { c: app.c.clone(), pool: app.pool.clone(), client: hidden };
    let (srp, p) = hidden.challenge("ghost").await;
    let mut keys: Vec<&str> = p.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"]);
    let user_id = p["USER_ID_FOR_SRP"].clone();
    let key = srp.session_key(&user_id, PW, &p["SALT"], &p["SRP_B"]);
    let ts = now_ts(0);
    let a = Answer { username: user_id.clone(), block: p["SECRET_BLOCK"].clone(), signature: srp.signature(&key, &user_id, &p["SECRET_BLOCK"], &ts), timestamp: ts };
    assert_eq!(err(hidden.respond(&a).await), bad());
    // and the same client still signs real users in
    hidden.sign_in("dana").await;
}

#[tokio::test]
async fn forged_and_foreign_tokens_are_rejected() {
    let env = TestEnv::start().await;
    let app = dana(&env).await;
    let res = app.sign_in("dana").await;
    let set = jwks(&env, &app.pool).await;
    let iss = app.issuer();
    let (id_tok, access_tok) = (res.id_token().unwrap().to_string(), res.access_token().unwrap().to_string());
    let id_v = validation(&iss, Some(&app.client));
    let acc_v = validation(&iss, None);
    let parts: Vec<&str> = access_tok.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["username"] = json!("mallory");
    claims["cognito:groups"] = json!(["admins", "root"]);
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let kid = header_of(&access_tok)["kid"].as_str().unwrap().to_string();

    // 1. payload modified, original signature kept
    let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    // 2. re-signed with another RSA key under the pool's kid
    let other = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let der = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&other).unwrap();
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid.clone());
    let resigned = jsonwebtoken::encode(&h, &claims, &EncodingKey::from_rsa_der(der.as_bytes())).unwrap();
    // 3. HS256 keyed with the public modulus (algorithm confusion)
    let jwk = set["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).unwrap();
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(kid.clone());
    let confused = jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(jwk["n"].as_str().unwrap().as_bytes())).unwrap();
    // 4. alg "none"
    let none = format!("{}.{forged_payload}.", URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid}).to_string()));

    assert!(matches!(verify(&set, &tampered, &acc_v), Err(Rejected::Jwt(ErrorKind::InvalidSignature))));
    assert!(matches!(verify(&set, &resigned, &acc_v), Err(Rejected::Jwt(ErrorKind::InvalidSignature))));
    assert!(matches!(verify(&set, &confused, &acc_v), Err(Rejected::Jwt(ErrorKind::InvalidAlgorithm))));
    assert!(verify(&set, &none, &acc_v).is_err());
    assert!(verify(&set, &access_tok, &acc_v).is_ok(), "the genuine token still verifies");
    // the service refuses them too
    for (name, t) in [("tampered", &tampered), ("resigned", &resigned), ("confused", &confused), ("none", &none), ("id token", &id_tok)] {
        let (code, _) = err(app.c.get_user().access_token(t.as_str()).send().await);
        assert_eq!(code, "NotAuthorizedException", "{name}");
    }

    // wrong audience / issuer
    assert!(matches!(verify(&set, &id_tok, &validation(&iss, Some("someotherclient"))), Err(Rejected::Jwt(ErrorKind::InvalidAudience))));
    let c2 = env.cognito_idp();
    let pool2 = c2.create_user_pool().pool_name("other").send().await.unwrap().user_pool.unwrap().id.unwrap();
    let iss2 = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool2}");
    assert!(matches!(verify(&set, &id_tok, &validation(&iss2, Some(&app.client))), Err(Rejected::Jwt(ErrorKind::InvalidIssuer))));
    // another pool signs with its own key: our kid is not in its JWKS
    let set2 = jwks(&env, &pool2).await;
    assert!(matches!(verify(&set2, &id_tok, &validation(&iss2, Some(&app.client))), Err(Rejected::UnknownKid)));
    assert!(verify(&set, &id_tok, &id_v).is_ok());
    let missing = env.http().get(format!("{}/us-east-1_nosuchpoo/.well-known/jwks.json", env.endpoint)).send().await.unwrap();
    assert_ne!(missing.status(), 200);
}

/// Day 1..9 of the month: the TIMESTAMP must not be zero-padded. Tokens issued then are
/// expired now, and a relying party refuses them.
#[tokio::test]
async fn padded_day_is_refused_and_old_tokens_are_expired() {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let env = TestEnv::builder().clock(clock.clone()).start().await;
    let app = dana(&env).await; // SigV4 admin calls, while the server clock is still real time
    // Thu Nov 5 09:03:07 UTC 2026; InitiateAuth / RespondToAuthChallenge are unsigned
    let when = OffsetDateTime::from_unix_timestamp(1_793_869_387).unwrap();
    assert_eq!(timestamp_of(when, false), "Thu Nov 5 09:03:07 UTC 2026");
    clock.set(SystemTime::UNIX_EPOCH + Duration::from_secs(1_793_869_387));

    let padded = app.answer("dana", PW, "Thu Nov 05 09:03:07 UTC 2026").await;
    assert_eq!(err(app.respond(&padded).await), (BAD_CREDS.0.into(), BAD_CREDS.1.into()));
    let good = app.answer("dana", PW, "Thu Nov 5 09:03:07 UTC 2026").await;
    let res = app.respond(&good).await.unwrap().authentication_result.unwrap();

    let set = jwks(&env, &app.pool).await;
    let mut v = validation(&app.issuer(), Some(&app.client));
    assert!(matches!(verify(&set, res.id_token().unwrap(), &v), Err(Rejected::Jwt(ErrorKind::ExpiredSignature))));
    v.validate_exp = false;
    let id = verify(&set, res.id_token().unwrap(), &v).unwrap();
    assert_eq!((id["iat"].as_i64(), id["auth_time"].as_i64(), id["exp"].as_i64()), (Some(1_793_869_387), Some(1_793_869_387), Some(1_793_872_987)));
}

/// SRP with a temporary password leads to NEW_PASSWORD_REQUIRED; alias sign-in signs as the
/// internal username; disabled and unconfirmed users fail only after a correct verifier.
#[tokio::test]
async fn srp_user_states_and_aliases() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("alias").alias_attributes(idp::types::AliasAttributeType::Email).send().await.unwrap().user_pool.unwrap().id.unwrap();
    let app = App::new(c, pool, &[]).await;
    let set = || jwks(&env, &app.pool);

    // FORCE_CHANGE_PASSWORD: the temporary password passes the verifier, then a new one is set
    let temp = "Temp0rary-Pass!";
    app.c.admin_create_user().user_pool_id(&app.pool).username("fay").temporary_password(temp).user_attributes(attr("email", "fay@example.com")).user_attributes(attr("email_verified", "true")).message_action(idp::types::MessageActionType::Suppress).send().await.unwrap();
    let out = app.respond(&app.answer("fay", temp, &now_ts(0)).await).await.unwrap();
    assert_eq!(out.challenge_name, Some(ChallengeNameType::NewPasswordRequired));
    assert!(out.authentication_result.is_none());
    let p = out.challenge_parameters.unwrap();
    assert_eq!(p["USER_ID_FOR_SRP"], "fay");
    let new_pw = app
        .c
        .respond_to_auth_challenge()
        .client_id(&app.client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session.expect("Session on NEW_PASSWORD_REQUIRED"))
        .challenge_responses("USERNAME", "fay")
        .challenge_responses("NEW_PASSWORD", PW)
        .send()
        .await
        .unwrap();
    let res = new_pw.authentication_result.unwrap();
    verify(&set().await, res.id_token().unwrap(), &validation(&app.issuer(), Some(&app.client))).unwrap();
    assert_eq!(err(app.respond(&app.answer("fay", temp, &now_ts(0)).await).await), (BAD_CREDS.0.into(), BAD_CREDS.1.into()));

    // sign-in by the e-mail alias: USER_ID_FOR_SRP and USERNAME are the internal name
    let (srp, p) = app.challenge("fay@example.com").await;
    assert_eq!((p["USER_ID_FOR_SRP"].as_str(), p["USERNAME"].as_str()), ("fay", "fay"));
    let key = srp.session_key("fay", PW, &p["SALT"], &p["SRP_B"]);
    let ts = now_ts(0);
    let a = Answer { username: "fay".into(), block: p["SECRET_BLOCK"].clone(), signature: srp.signature(&key, "fay", &p["SECRET_BLOCK"], &ts), timestamp: ts };
    let res = app.respond(&a).await.unwrap().authentication_result.unwrap();
    let id = verify(&set().await, res.id_token().unwrap(), &validation(&app.issuer(), Some(&app.client))).unwrap();
    assert_eq!(id["cognito:username"], "fay");

    // disabled: the right password still ends in NotAuthorized "User is disabled."
    app.c.admin_disable_user().user_pool_id(&app.pool).username("fay").send().await.unwrap();
    let r = match app.initiate("fay", &SrpClient::new(&app.pool).srp_a()).await {
        Err(e) => err::<(), _>(Err(e)),
        Ok(_) => err(app.respond(&app.answer("fay", PW, &now_ts(0)).await).await),
    };
    assert_eq!(r, ("NotAuthorizedException".into(), "User is disabled.".into()));
    app.c.admin_enable_user().user_pool_id(&app.pool).username("fay").send().await.unwrap();
    app.sign_in("fay").await;

    // unconfirmed (self sign-up, no confirmation): correct verifier, then UserNotConfirmedException
    app.c.sign_up().client_id(&app.client).username("gus").password(PW).send().await.unwrap();
    let (code, _) = err(app.respond(&app.answer("gus", PW, &now_ts(0)).await).await);
    assert_eq!(code, "UserNotConfirmedException");
    let (code, _) = err(app.respond(&app.answer("gus", "Wr0ng-Horse!", &now_ts(0)).await).await);
    assert_eq!(code, "NotAuthorizedException", "a wrong password is not told apart by confirmation state");
}

/// With PreventUserExistenceErrors the simulated challenge must not be told apart from a real
/// one: AWS keeps a stable salt and UUID user id per (pool, username) (reference cognito.md §1.5).
#[tokio::test]
async fn simulated_srp_challenge_is_stable_per_username() {
    let env = TestEnv::start().await;
    let app = dana(&env).await;
    let c = app.c.create_user_pool_client().user_pool_id(&app.pool).client_name("h").prevent_user_existence_errors(idp::types::PreventUserExistenceErrorTypes::Enabled).send().await.unwrap();
    let hidden = App { c: app.c.clone(), pool: app.pool.clone(), client: c.user_pool_client.unwrap().client_id.unwrap() };
    let (_, real1) = hidden.challenge("dana").await;
    let (_, real2) = hidden.challenge("dana").await;
    assert_eq!(real1["SALT"], real2["SALT"], "a real user's salt is stable");
    let (_, ghost1) = hidden.challenge("ghost").await;
    let (_, ghost2) = hidden.challenge("ghost").await;
    assert_eq!((&ghost1["SALT"], &ghost1["USER_ID_FOR_SRP"]), (&ghost2["SALT"], &ghost2["USER_ID_FOR_SRP"]), "an unknown user is distinguishable");
}
