//! Security states of the programming interfaces (IHI0070 3.10).
//!
//! * The SMMU's own accesses for a programming interface (its Stream table, Command
//!   queue, Event queue and MSIs) are made in that interface's PA space: Secure for
//!   the Secure interface, Non-secure for the Non-secure one (IHI0070 3.10.2.1,
//!   3.18).
//! * A command's StreamID parameter names a Secure or a Non-secure stream through
//!   SSec. Only the Secure Command queue may name a Secure stream; SSec == 1 on the
//!   Non-secure queue is ILLEGAL whether or not Secure state exists (IHI0070 4.1.6).
//! * Events go to the Event queue of the stream's Security state (IHI0070 7.2.3),
//!   which [`crate::Event::sec_sid`] carries.

use regdef::SecSid;

use crate::memory::Pas;

/// The PA space of the SMMU's accesses for programming interface `bank`.
pub const fn interface_pas(bank: SecSid) -> Pas {
    match bank {
        SecSid::NonSecure => Pas::NonSecure,
        SecSid::Secure => Pas::Secure,
    }
}

/// The Security state of the stream a command's StreamID names, from the queue
/// it was issued on and its SSec bit; `None` if that combination is ILLEGAL.
pub const fn stream_security(queue: SecSid, ssec: bool) -> Option<SecSid> {
    match (queue, ssec) {
        (SecSid::NonSecure, false) => Some(SecSid::NonSecure),
        (SecSid::NonSecure, true) => None,
        (SecSid::Secure, false) => Some(SecSid::NonSecure),
        (SecSid::Secure, true) => Some(SecSid::Secure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssec_resolution() {
        assert_eq!(
            stream_security(SecSid::NonSecure, false),
            Some(SecSid::NonSecure)
        );
        assert_eq!(stream_security(SecSid::NonSecure, true), None);
        assert_eq!(
            stream_security(SecSid::Secure, false),
            Some(SecSid::NonSecure)
        );
        assert_eq!(stream_security(SecSid::Secure, true), Some(SecSid::Secure));
        assert_eq!(interface_pas(SecSid::Secure), Pas::Secure);
    }
}
