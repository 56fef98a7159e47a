//! From `domain`'s scanned records to the hickory-proto types the rules use,
//! through the DNS wire form (so nothing is re-parsed from text).

use bytes::Bytes;
use domain::base::ToName;
use domain::base::rdata::ComposeRecordData;
use domain::zonefile::inplace::ScannedRecord;
use hickory_proto::rr::rdata::NULL;
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, Restrict};

/// Why a record's data cannot be handed on to the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DataError {
    #[error("{0} record data is too long")]
    TooLong(RecordType),
    #[error("{rtype} record data does not decode: {source}")]
    Decode {
        rtype: RecordType,
        source: DecodeError,
    },
}

/// Why hickory could not decode wire data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DecodeError {
    #[error("too long")]
    TooLong,
    /// hickory's own message (its error type is neither `Clone` nor `Eq`).
    #[error("{0}")]
    Hickory(String),
    #[error("{0} bytes left over")]
    LeftOver(usize),
}

/// Types whose data the rules read: their data must decode, or it is a problem.
const READ_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::CNAME,
    RecordType::NS,
    RecordType::MX,
    RecordType::SOA,
    RecordType::TLSA,
];

/// A `domain` name as a hickory name.
pub(super) fn name_from_domain(name: &impl ToName) -> Option<Name> {
    let mut wire = Vec::new();
    name.compose(&mut wire).ok()?;
    Name::from_bytes(&wire).ok()
}

/// A hickory name as a `domain` name.
pub(super) fn name_to_domain(name: &Name) -> Option<domain::base::Name<Bytes>> {
    let wire = name.to_bytes().ok()?;
    domain::base::Name::from_octets(Bytes::from(wire)).ok()
}

/// The record's type, class and data, decoded by hickory. Data that hickory
/// cannot decode is kept as generic data unless the rules need it.
pub(super) fn record_data(record: &ScannedRecord) -> Result<(RecordType, u16, RData), DataError> {
    let rtype = RecordType::from(record.rtype().to_int());
    let class = record.class().to_int();
    let mut wire = Vec::new();
    record
        .data()
        .compose_rdata(&mut wire)
        .map_err(|_| DataError::TooLong(rtype))?;
    match decode(rtype, &wire) {
        Ok(data) => Ok((rtype, class, data)),
        Err(source) if READ_TYPES.contains(&rtype) => Err(DataError::Decode { rtype, source }),
        Err(_) => Ok((
            rtype,
            class,
            RData::Unknown {
                code: rtype,
                // NULL::with refuses empty data (it asserts).
                rdata: if wire.is_empty() {
                    NULL::new()
                } else {
                    NULL::with(wire)
                },
            },
        )),
    }
}

fn decode(rtype: RecordType, wire: &[u8]) -> Result<RData, DecodeError> {
    let len = u16::try_from(wire.len()).map_err(|_| DecodeError::TooLong)?;
    let mut decoder = BinDecoder::new(wire);
    let data = RData::read(&mut decoder, rtype, Restrict::new(len))
        .map_err(|e| DecodeError::Hickory(e.to_string()))?;
    if decoder.index() != wire.len() {
        return Err(DecodeError::LeftOver(wire.len() - decoder.index()));
    }
    Ok(data)
}

/// `domain` 0.12 reads a lone `@` in RDATA as a label "@" below the origin (its
/// scanner treats `@` as the origin only in the owner field); the name servers
/// read it as the origin. Puts right the names the rules look at.
pub(super) fn at_is_origin(data: &mut RData, origin: &Name) {
    let fix = |n: &mut Name| {
        let first_is_at = n.iter().next() == Some(&b"@"[..]);
        if first_is_at && n.num_labels() == origin.num_labels() + 1 && n.base_name() == *origin {
            *n = origin.clone();
        }
    };
    match data {
        RData::NS(ns) => fix(&mut ns.0),
        RData::CNAME(c) => fix(&mut c.0),
        RData::PTR(p) => fix(&mut p.0),
        RData::MX(mx) => fix(&mut mx.exchange),
        RData::SRV(srv) => fix(&mut srv.target),
        RData::SOA(soa) => {
            fix(&mut soa.mname);
            fix(&mut soa.rname);
        }
        _ => {}
    }
}
