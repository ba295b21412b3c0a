//! A compact JSON serializer that writes the bytes `serde_json::to_vec` writes, faster.
//!
//! serde_json checks every byte of every string (keys included) against its escape table one at
//! a time: ~12 instructions a byte, a seventh of a page of five contacts. This writer checks
//! eight bytes at a time (SWAR) and copies a clean run in one go; numbers go through the same
//! `itoa` and `zmij` formatters serde_json uses. The rest of the data model follows serde_json's
//! `Serializer` and its map-key rules case by case. Debug builds of the API serialize every
//! answer with serde_json as well and compare (`sentral_api::json::Json`), so every API test
//! holds the bytes equal. [`write_str`] is there for JSON written field by field (the store's
//! pages).

use std::fmt::{self, Display};

use serde::ser::{self, Impossible, Serialize};

/// Why a value could not be written (the same cases as serde_json's, for map keys).
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".to_owned())
}

fn float_key_must_be_finite() -> Error {
    Error("float key must be finite (got NaN or +/-inf)".to_owned())
}

/// The struct name and field serde_json's `RawValue` serializes under: its text is written as is.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Appends `value` as compact JSON to `out`.
pub fn write<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Writer { out })
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes of `word` is a control character, a quote or a backslash (the
/// borrows may mark clean bytes above one that is, never a word without one).
fn word_needs_escape(word: u64) -> bool {
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    (control
        | zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\'))))
        != 0
}

fn write_escape(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0C => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xF)],
            ]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// `text` as a JSON string, escaped as serde_json escapes it.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    let mut rest = text.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    loop {
        let clean = clean_prefix(rest);
        out.extend_from_slice(&rest[..clean]);
        let Some((&special, after)) = rest[clean..].split_first() else {
            break;
        };
        write_escape(out, special);
        rest = after;
    }
    out.push(b'"');
}

/// How many bytes at the start of `bytes` need no escape: eight at a time while they are clean
/// (a word that says otherwise holds one that does), then one at a time.
fn clean_prefix(bytes: &[u8]) -> usize {
    let mut clean = 0;
    for chunk in bytes.chunks_exact(8) {
        if word_needs_escape(u64::from_le_bytes(chunk.try_into().unwrap_or_default())) {
            break;
        }
        clean += 8;
    }
    let tail = &bytes[clean..];
    clean
        + tail
            .iter()
            .position(|&byte| needs_escape(byte))
            .unwrap_or(tail.len())
}

fn write_integer(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

fn write_float(out: &mut Vec<u8>, value: impl zmij::Float) {
    out.extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
}

/// A compound value being written: `first` until its first element.
pub struct Compound<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    /// Closes a variant's wrapping object after the compound (`{"variant":[…]}`).
    variant: bool,
    raw_value: bool,
}

impl<'w, 'a> Compound<'w, 'a> {
    fn open(writer: &'w mut Writer<'a>, bracket: u8, variant: bool) -> Self {
        writer.out.push(bracket);
        Self {
            writer,
            first: true,
            variant,
            raw_value: false,
        }
    }

    fn separator(&mut self) {
        if !self.first {
            self.writer.out.push(b',');
        }
        self.first = false;
    }

    fn close(self, bracket: u8) {
        self.writer.out.push(bracket);
        if self.variant {
            self.writer.out.push(b'}');
        }
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.separator();
        value.serialize(&mut *self.writer)
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.separator();
        write_str(self.writer.out, key);
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if value.is_finite() {
            write_float(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if value.is_finite() {
            write_float(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }
    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        self.out.push(b'[');
        for (index, byte) in value.iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            write_integer(self.out, *byte);
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, b'[', false))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        Ok(Compound::open(self, b'[', true))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, b'{', false))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'w, 'a>, Error> {
        if name == RAW_VALUE_TOKEN {
            return Ok(Compound {
                writer: self,
                first: true,
                variant: false,
                raw_value: true,
            });
        }
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        Ok(Compound::open(self, b'{', true))
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.separator();
        key.serialize(MapKey {
            out: self.writer.out,
        })
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if self.raw_value {
            return value.serialize(RawText {
                out: self.writer.out,
            });
        }
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        if !self.raw_value {
            self.close(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

/// A map's key: a string, or a value serde_json writes as one (numbers and booleans quoted).
struct MapKey<'a> {
    out: &'a mut Vec<u8>,
}

impl MapKey<'_> {
    fn quoted(self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), Error> {
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
        Ok(())
    }
}

/// The `Serializer` methods of a serializer that takes only some kinds of value.
macro_rules! refuse {
    ($error:expr; $($method:ident($($arg:ty),*)),* $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<(), Error> {
            Err($error)
        }
    )*};
}

/// The compound `Serializer` methods of such a serializer.
macro_rules! refuse_compounds {
    ($error:expr) => {
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Error> {
            Err($error)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Impossible<(), Error>, Error> {
            Err($error)
        }
        fn serialize_tuple(self, _: usize) -> Result<Impossible<(), Error>, Error> {
            Err($error)
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Impossible<(), Error>, Error> {
            Err($error)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Impossible<(), Error>, Error> {
            Err($error)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Impossible<(), Error>, Error> {
            Err($error)
        }
        fn serialize_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Impossible<(), Error>, Error> {
            Err($error)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Impossible<(), Error>, Error> {
            Err($error)
        }
    };
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(|out| out.extend_from_slice(if value { b"true" } else { b"false" }))
    }
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        self.quoted(|out| write_integer(out, value))
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(float_key_must_be_finite());
        }
        self.quoted(|out| write_float(out, value))
    }
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(float_key_must_be_finite());
        }
        self.quoted(|out| write_float(out, value))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    refuse!(key_must_be_a_string(); serialize_bytes(&[u8]), serialize_unit(), serialize_none());
    refuse_compounds!(key_must_be_a_string());
}

/// The text of a `RawValue`: JSON already, written as it is.
struct RawText<'a> {
    out: &'a mut Vec<u8>,
}

fn not_raw_text() -> Error {
    Error("a RawValue holds its JSON as a string".to_owned())
}

impl ser::Serializer for RawText<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.out.extend_from_slice(value.as_bytes());
        Ok(())
    }
    refuse!(not_raw_text();
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_f32(f32), serialize_f64(f64), serialize_char(char),
        serialize_bytes(&[u8]), serialize_none(), serialize_unit(),
        serialize_unit_struct(&'static str), serialize_unit_variant(&'static str, u32, &'static str),
    );
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_raw_text())
    }
    refuse_compounds!(not_raw_text());
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    fn ours<T: ?Sized + Serialize>(value: &T) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        write(&mut out, value).map(|()| out)
    }

    fn same_as_serde<T: ?Sized + Serialize>(value: &T) {
        let theirs = serde_json::to_vec(value).expect("serde_json writes it");
        let ours = ours(value).expect("we write it");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
    }

    #[test]
    fn every_string_escapes_as_serde_json_escapes_it() {
        // Every byte that needs an escape, at every offset of an 8-byte word and past its end.
        for special in (0u8..0x20).chain([b'"', b'\\', 0x7F]) {
            for before in 0..18 {
                for after in [0, 1, 7, 8, 9] {
                    let text = format!(
                        "{}{}{}",
                        "a".repeat(before),
                        char::from(special),
                        "é".repeat(after)
                    );
                    same_as_serde(&text);
                }
            }
        }
        for text in [
            "",
            "x",
            "plain text of more than eight bytes",
            "\"\"\"\"\"\"\"\"\"",
            "ÆØÅ æøå 😀 \u{2028}",
            "tab\there\nline\r\u{0}\u{1f}\u{7f}",
            "!#$%&'()*+,-./ ~ @[]^_`{|}",
        ] {
            same_as_serde(text);
        }
    }

    #[test]
    fn bytes_just_around_the_specials_are_not_escaped() {
        // The word check's borrows: bytes 0x1F..0x23, 0x5B..0x5D and 0x80 next to each other.
        let all: String = (0u8..0x80)
            .map(char::from)
            .chain(['\u{80}', 'ÿ', '€'])
            .collect();
        same_as_serde(&all);
        let reversed: String = all.chars().rev().collect();
        same_as_serde(&reversed);
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { a: Option<bool>, b: Vec<f64> },
    }

    #[derive(Serialize)]
    struct Everything {
        flag: bool,
        small: i8,
        big: u128,
        negative: i128,
        real: f64,
        whole: f64,
        tiny: f32,
        nan: f64,
        infinite: f32,
        letter: char,
        #[serde(with = "serde_bytes_like")]
        bytes: Vec<u8>,
        none: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<String>,
        unit: (),
        pair: (u8, &'static str),
        empty: Vec<u8>,
        shapes: Vec<Shape>,
        keyed: BTreeMap<i64, &'static str>,
        flags: BTreeMap<bool, u8>,
        nested: BTreeMap<String, BTreeMap<String, Vec<Option<i64>>>>,
        value: serde_json::Value,
        #[serde(flatten)]
        flattened: BTreeMap<String, u8>,
    }

    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(bytes)
        }
    }

    #[test]
    fn every_kind_of_value_is_written_as_serde_json_writes_it() {
        let value = Everything {
            flag: true,
            small: -128,
            big: u128::MAX,
            negative: i128::MIN,
            real: -31.26e12,
            whole: 1.0,
            tiny: 0.1,
            nan: f64::NAN,
            infinite: f32::INFINITY,
            letter: '"',
            bytes: vec![0, 1, 255],
            none: None,
            skipped: None,
            unit: (),
            pair: (7, "seven"),
            empty: Vec::new(),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(3),
                Shape::Tuple(-1, "x".into()),
                Shape::Struct {
                    a: Some(false),
                    b: vec![0.5, 1e300, 5e-324],
                },
            ],
            keyed: [(-3, "minus"), (10, "ten")].into_iter().collect(),
            flags: [(false, 0), (true, 1)].into_iter().collect(),
            nested: [(
                "a\"b".to_owned(),
                [("c".to_owned(), vec![Some(1), None])]
                    .into_iter()
                    .collect(),
            )]
            .into_iter()
            .collect(),
            value: serde_json::json!({"z": [1, 2.5, null, "s"], "a": {"b": {}}, "e": []}),
            flattened: [("extra".to_owned(), 9)].into_iter().collect(),
        };
        same_as_serde(&value);
    }

    #[test]
    fn raw_values_are_written_as_they_are() {
        let raw = serde_json::value::RawValue::from_string(r#"{"a" : [1, 2]}"#.to_owned())
            .expect("valid JSON");
        same_as_serde(&raw);
        same_as_serde(&vec![raw.clone(), raw]);
    }

    #[test]
    fn keys_serde_json_refuses_are_refused() {
        let unit_keys: BTreeMap<(), u8> = [((), 1)].into_iter().collect();
        assert!(serde_json::to_vec(&unit_keys).is_err());
        assert!(ours(&unit_keys).is_err());
        let float_keys = [(f64::NAN, 1)];
        struct FloatKeys<'a>(&'a [(f64, u8)]);
        impl Serialize for FloatKeys<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        assert!(serde_json::to_vec(&FloatKeys(&float_keys)).is_err());
        assert!(ours(&FloatKeys(&float_keys)).is_err());
        same_as_serde(&FloatKeys(&[(1.5, 1), (-0.0, 2)]));
    }
}
