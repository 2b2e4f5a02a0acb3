//! A byte stream from a hostile or broken peer on a control socket: cut
//! into reads of any size, framed and decoded. Nothing may panic, and a
//! message that decodes must survive being encoded and decoded again
//! unchanged (what a relay through the supervisor does).
#![no_main]

use ipc_proto::{FrameReader, Incoming, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(cut % 64) + 1;
    let mut reader = FrameReader::new();
    for chunk in stream.chunks(step) {
        reader.push(chunk);
        loop {
            match reader.next_frame() {
                Ok(Some(payload)) => {
                    if let Ok(Incoming::Message(message)) = decode(&payload) {
                        let again = message.to_frame().expect("a decoded message re-encodes");
                        let mut echo = FrameReader::new();
                        echo.push(&again);
                        let payload = echo.next_frame().expect("framed").expect("whole");
                        assert_eq!(decode(&payload).ok(), Some(Incoming::Message(message)));
                    }
                }
                Ok(None) => break,
                // The connection would be dropped here.
                Err(_) => return,
            }
        }
    }
});
