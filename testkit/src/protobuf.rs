//! The Protocol Buffers wire format, enough to write ONNX models by hand: varints, varint
//! fields (wire type 0) and length-delimited fields (wire type 2: bytes, strings, packed
//! arrays, nested messages).

/// Append `v` as a base-128 varint, low group first.
pub fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A message written field by field, in the order the calls come.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message(Vec<u8>);

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// A varint field (wire type 0): an integer, an enum, a bool.
    pub fn int(mut self, field: u64, v: u64) -> Self {
        varint(&mut self.0, field << 3);
        varint(&mut self.0, v);
        self
    }

    /// A length-delimited field (wire type 2): bytes or a string.
    pub fn bytes(mut self, field: u64, bytes: impl AsRef<[u8]>) -> Self {
        let bytes = bytes.as_ref();
        varint(&mut self.0, (field << 3) | 2);
        varint(&mut self.0, bytes.len() as u64);
        self.0.extend_from_slice(bytes);
        self
    }

    /// A nested message (wire type 2).
    pub fn message(self, field: u64, message: Message) -> Self {
        self.bytes(field, message.0)
    }

    /// A repeated integer field, packed (one wire type 2 field holding the varints).
    pub fn packed(self, field: u64, values: &[u64]) -> Self {
        let mut packed = Vec::new();
        for v in values {
            varint(&mut packed, *v);
        }
        self.bytes(field, packed)
    }

    /// The encoded message.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_examples_of_the_encoding_guide() {
        // protobuf.dev "Encoding": 150 as field 1 is 08 96 01; "testing" as field 2 is
        // 12 07 74 65 73 74 69 6e 67; a message holding field 1 = 150 as field 3 is
        // 1a 03 08 96 01; [3, 270, 86942] packed as field 4 is 22 06 03 8e 02 9e a7 05.
        assert_eq!(Message::new().int(1, 150).into_bytes(), [0x08, 0x96, 0x01]);
        assert_eq!(
            Message::new().bytes(2, "testing").into_bytes(),
            b"\x12\x07testing"
        );
        assert_eq!(
            Message::new()
                .message(3, Message::new().int(1, 150))
                .into_bytes(),
            [0x1a, 0x03, 0x08, 0x96, 0x01]
        );
        assert_eq!(
            Message::new().packed(4, &[3, 270, 86942]).into_bytes(),
            [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]
        );
        let mut max = Vec::new();
        varint(&mut max, u64::MAX);
        assert_eq!(max.len(), 10);
        assert_eq!(max[9], 0x01);
    }
}
