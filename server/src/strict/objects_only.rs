//! A deserializer adapter that refuses a JSON array wherever the type reads a struct.
//!
//! serde's derived `Deserialize` for a struct also reads a sequence, taking the fields by
//! position, so `{"price_band": [5, 10]}` would be read as a price band although the
//! OpenAPI document says `type: object`. Like `serde_ignored`, this adapter wraps every
//! nested deserializer (map values, sequence elements, options, newtypes, enum variants)
//! and refuses a sequence wherever `deserialize_struct` or a struct variant was asked
//! for, with serde's own "invalid type: sequence, expected struct ..." error, which the
//! field-error collection already words as "must be an object".
//!
//! Out of its reach: values serde buffers before reading them (internally tagged and
//! untagged enums, `flatten`) are read from serde's own buffer, not through this adapter.
//! Request types with such a shape must hold no struct-typed fields.

use std::fmt;

use serde::de::{self, DeserializeSeed, Unexpected, Visitor};

/// Wraps a deserializer so that no struct, at any depth, is read from a sequence.
pub struct Deserializer<D> {
    de: D,
}

impl<D> Deserializer<D> {
    pub fn new(de: D) -> Self {
        Self { de }
    }
}

/// Forwards `deserialize_*` methods, wrapping the visitor so that what it reads next is
/// wrapped too.
macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method($($arg,)* Wrap::any(visitor))
        }
    )*};
}

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for Deserializer<D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any()
        deserialize_bool()
        deserialize_i8()
        deserialize_i16()
        deserialize_i32()
        deserialize_i64()
        deserialize_i128()
        deserialize_u8()
        deserialize_u16()
        deserialize_u32()
        deserialize_u64()
        deserialize_u128()
        deserialize_f32()
        deserialize_f64()
        deserialize_char()
        deserialize_str()
        deserialize_string()
        deserialize_bytes()
        deserialize_byte_buf()
        deserialize_option()
        deserialize_unit()
        deserialize_unit_struct(name: &'static str)
        deserialize_newtype_struct(name: &'static str)
        deserialize_seq()
        deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_map()
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier()
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_struct(name, fields, Wrap::object(visitor))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_ignored_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// A visitor, seed or access whose nested deserializers are wrapped in turn. As a
/// visitor, `object` says that it reads a struct and must not be given a sequence.
struct Wrap<X> {
    delegate: X,
    object: bool,
}

impl<X> Wrap<X> {
    fn any(delegate: X) -> Self {
        Self {
            delegate,
            object: false,
        }
    }

    fn object(delegate: X) -> Self {
        Self {
            delegate,
            object: true,
        }
    }
}

/// Forwards `visit_*` methods of plain values, which have nothing nested to wrap.
macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.delegate.$method(v)
        }
    )*};
}

impl<'de, X: Visitor<'de>> Visitor<'de> for Wrap<X> {
    type Value = X::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        self.delegate.expecting(formatter)
    }

    forward_visit! {
        visit_bool(bool)
        visit_i8(i8)
        visit_i16(i16)
        visit_i32(i32)
        visit_i64(i64)
        visit_i128(i128)
        visit_u8(u8)
        visit_u16(u16)
        visit_u32(u32)
        visit_u64(u64)
        visit_u128(u128)
        visit_f32(f32)
        visit_f64(f64)
        visit_char(char)
        visit_str(&str)
        visit_borrowed_str(&'de str)
        visit_string(String)
        visit_bytes(&[u8])
        visit_borrowed_bytes(&'de [u8])
        visit_byte_buf(Vec<u8>)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.delegate.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.delegate.visit_none()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.delegate.visit_some(Deserializer::new(de))
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(
        self,
        de: D,
    ) -> Result<Self::Value, D::Error> {
        self.delegate.visit_newtype_struct(Deserializer::new(de))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if self.object {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        self.delegate.visit_seq(Wrap::any(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.delegate.visit_map(Wrap::any(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.delegate.visit_enum(Wrap::any(data))
    }
}

impl<'de, X: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<X> {
    type Value = X::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.delegate.deserialize(Deserializer::new(de))
    }
}

impl<'de, X: de::SeqAccess<'de>> de::SeqAccess<'de> for Wrap<X> {
    type Error = X::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, X::Error> {
        self.delegate.next_element_seed(Wrap::any(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.delegate.size_hint()
    }
}

impl<'de, X: de::MapAccess<'de>> de::MapAccess<'de> for Wrap<X> {
    type Error = X::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, X::Error> {
        self.delegate.next_key_seed(Wrap::any(seed))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, X::Error> {
        self.delegate.next_value_seed(Wrap::any(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.delegate.size_hint()
    }
}

impl<'de, X: de::EnumAccess<'de>> de::EnumAccess<'de> for Wrap<X> {
    type Error = X::Error;
    type Variant = Wrap<X::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), X::Error> {
        self.delegate
            .variant_seed(Wrap::any(seed))
            .map(|(value, variant)| (value, Wrap::any(variant)))
    }
}

impl<'de, X: de::VariantAccess<'de>> de::VariantAccess<'de> for Wrap<X> {
    type Error = X::Error;

    fn unit_variant(self) -> Result<(), X::Error> {
        self.delegate.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, X::Error> {
        self.delegate.newtype_variant_seed(Wrap::any(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, X::Error> {
        self.delegate.tuple_variant(len, Wrap::any(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, X::Error> {
        self.delegate.struct_variant(fields, Wrap::object(visitor))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::Deserializer;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Band {
        min: u32,
        max: u32,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Wrapper(Band);

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Banded(Band),
        Ranged { band: Band },
        Pair(u32, u32),
        Open { from: u32 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Outer {
        band: Option<Band>,
        #[serde(default)]
        bands: Vec<Band>,
        #[serde(default)]
        wrapped: Option<Wrapper>,
        #[serde(default)]
        shape: Option<Shape>,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        pair: Option<(u32, u32)>,
    }

    fn read<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
        // Through a streaming deserializer as well as a `Value`: requests use both.
        let text = value.to_string();
        let streamed = T::deserialize(Deserializer::new(&mut serde_json::Deserializer::from_str(
            &text,
        )))
        .map_err(|e| e.to_string());
        let from_value = T::deserialize(Deserializer::new(&value)).map_err(|e| e.to_string());
        assert_eq!(streamed.is_ok(), from_value.is_ok(), "{value}");
        streamed
    }

    fn refused(value: serde_json::Value) -> String {
        let plain = serde_json::from_str::<Outer>(&value.to_string());
        assert!(
            plain.is_ok(),
            "plain serde reads {value} already: {plain:?}"
        );
        read::<Outer>(value.clone()).expect_err(&format!("{value} was accepted"))
    }

    #[test]
    fn a_struct_given_as_an_array_is_refused_at_any_depth() {
        for value in [
            json!({"band": [1, 2]}),
            json!({"band": null, "bands": [{"min": 1, "max": 2}, [3, 4]]}),
            json!({"band": null, "wrapped": [1, 2]}),
            json!({"band": null, "shape": {"banded": [1, 2]}}),
            json!({"band": null, "shape": {"ranged": {"band": [1, 2]}}}),
            json!({"band": null, "shape": {"ranged": [{"min": 1, "max": 2}]}}),
            json!({"band": null, "shape": {"open": [1]}}),
        ] {
            let error = refused(value);
            assert!(
                error.starts_with("invalid type: sequence, expected struct "),
                "{error}"
            );
        }
        assert!(read::<Outer>(json!([null])).is_err());
    }

    #[test]
    fn objects_and_schema_arrays_still_read() {
        let value = json!({
            "band": {"min": 1, "max": 2},
            "bands": [{"min": 3, "max": 4}],
            "wrapped": {"min": 5, "max": 6},
            "shape": {"ranged": {"band": {"min": 7, "max": 8}}},
            "tags": ["a", "b"],
            "pair": [9, 10]
        });
        let outer = read::<Outer>(value).unwrap();
        assert_eq!(outer.band, Some(Band { min: 1, max: 2 }));
        assert_eq!(outer.bands, [Band { min: 3, max: 4 }]);
        assert_eq!(outer.wrapped, Some(Wrapper(Band { min: 5, max: 6 })));
        assert_eq!(
            outer.shape,
            Some(Shape::Ranged {
                band: Band { min: 7, max: 8 }
            })
        );
        assert_eq!(outer.tags, ["a", "b"]);
        assert_eq!(outer.pair, Some((9, 10)));
        assert_eq!(
            read::<Shape>(json!({"pair": [1, 2]})).unwrap(),
            Shape::Pair(1, 2)
        );
        assert_eq!(
            read::<Shape>(json!({"banded": {"min": 1, "max": 2}})).unwrap(),
            Shape::Banded(Band { min: 1, max: 2 })
        );
    }
}
