//! VRRPv2 PASS authentication (RFC 2338 §5.3.6's simple text password, which
//! RFC 3768 dropped and keepalived kept).

use subtle::ConstantTimeEq;

use super::Auth;

/// Whether a received advertisement's authentication matches the configured
/// one. PASS passwords are compared in constant time, so the time taken does
/// not tell an attacker how many leading bytes were right.
///
/// Type None matches None and AH matches AH (the AH itself is checked where
/// it is parsed, in front of the PDU). An unknown type never matches, not
/// even itself: there is nothing to check it against.
pub fn auth_matches(received: &Auth, expected: &Auth) -> bool {
    match (received, expected) {
        (Auth::None, Auth::None) | (Auth::Ah, Auth::Ah) => true,
        (Auth::Simple(received), Auth::Simple(expected)) => received.ct_eq(expected).into(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_zero_padded_and_compared_whole() {
        assert_eq!(Auth::simple(b"secret"), Auth::Simple(*b"secret\0\0"));
        assert_eq!(Auth::simple(b"longer than 8"), Auth::Simple(*b"longer t"));
        assert!(auth_matches(
            &Auth::simple(b"secret"),
            &Auth::simple(b"secret")
        ));
        assert!(!auth_matches(
            &Auth::simple(b"secret"),
            &Auth::simple(b"secreT")
        ));
        assert!(!auth_matches(
            &Auth::simple(b"secret"),
            &Auth::simple(b"secret1")
        ));
        // keepalived truncates the configured password to 8 bytes too.
        assert!(auth_matches(
            &Auth::simple(b"12345678"),
            &Auth::simple(b"123456789")
        ));
    }

    #[test]
    fn types_must_agree() {
        assert!(auth_matches(&Auth::None, &Auth::None));
        assert!(auth_matches(&Auth::Ah, &Auth::Ah));
        assert!(!auth_matches(&Auth::None, &Auth::simple(b"")));
        assert!(!auth_matches(&Auth::simple(b""), &Auth::None));
        assert!(!auth_matches(&Auth::Ah, &Auth::None));
        assert!(!auth_matches(&Auth::Unknown(7), &Auth::Unknown(7)));
    }
}
