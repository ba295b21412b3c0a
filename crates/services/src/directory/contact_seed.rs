//! Generated contacts: the demo enterprise's 200 and `sentral seed --scale N`'s many, people at
//! Norwegian companies with realistic names, numbers and addresses. Deterministic.

use sentral_domain::Timestamp;
use sentral_domain::directory::{Contact, ContactDetails, ContactNumber};
use sentral_store::Connection;
use sentral_store::directory::contacts;

use crate::{Platform, ServiceError};

/// Contacts per transaction when seeding many.
const SEED_CHUNK: usize = 5_000;

impl Platform {
    /// `count` generated contacts in the enterprise (for `sentral seed --scale N`), in chunks;
    /// `progress` is told how many are in so far.
    pub async fn seed_scale_contacts(
        &self,
        enterprise_id: &str,
        count: usize,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut done = 0;
        while done < count {
            let chunk = SEED_CHUNK.min(count - done);
            let mut tx = self.store.write().await?;
            seed_contacts(&mut tx, enterprise_id, "ct_scale_", done..done + chunk, now).await?;
            tx.commit().await?;
            done += chunk;
            progress(done, count);
        }
        Ok(())
    }
}

const CONTACT_FIRST_NAMES: &[&str] = &[
    "Anne", "Bjørn", "Camilla", "Dag", "Elin", "Frode", "Guro", "Håkon", "Inger", "Jørgen",
    "Kjersti", "Leif", "Marit", "Nils", "Oda", "Pål", "Ragnhild", "Sigurd", "Tone", "Vegard",
    "Astrid", "Øystein", "Silje", "Trond", "Linn", "Espen", "Mette", "Geir", "Hilde", "Rune",
];
const CONTACT_LAST_NAMES: &[&str] = &[
    "Aasen",
    "Bakken",
    "Christensen",
    "Eide",
    "Fossum",
    "Gundersen",
    "Halvorsen",
    "Iversen",
    "Jakobsen",
    "Knutsen",
    "Lund",
    "Moen",
    "Næss",
    "Ødegård",
    "Paulsen",
    "Rasmussen",
    "Sæther",
    "Tangen",
    "Ulriksen",
    "Vik",
    "Wold",
    "Ås",
    "Brekke",
    "Engen",
    "Hauge",
    "Myhre",
    "Rønning",
    "Sandvik",
    "Thorsen",
    "Aune",
    "Lien",
];
/// Companies with the area code and postal address of their town.
const CONTACT_COMPANIES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "Fjordline Regnskap AS",
        "fjordlineregnskap.no",
        "22",
        "Kongens gate",
        "0153",
        "Oslo",
    ),
    (
        "Bryggen Advokatfirma DA",
        "bryggenadvokat.no",
        "55",
        "Strandkaien",
        "5013",
        "Bergen",
    ),
    (
        "Nidaros Elektro AS",
        "nidaroselektro.no",
        "73",
        "Kjøpmannsgata",
        "7013",
        "Trondheim",
    ),
    (
        "Sørvest Eiendom AS",
        "sorvesteiendom.no",
        "51",
        "Løkkeveien",
        "4008",
        "Stavanger",
    ),
    (
        "Nordlys Havbruk AS",
        "nordlyshavbruk.no",
        "77",
        "Sjøgata",
        "9008",
        "Tromsø",
    ),
    (
        "Mjøsa Trykkeri AS",
        "mjosatrykkeri.no",
        "61",
        "Storgata",
        "2609",
        "Lillehammer",
    ),
    (
        "Vestfold Rør AS",
        "vestfoldror.no",
        "33",
        "Jernbanegata",
        "3110",
        "Tønsberg",
    ),
    (
        "Agder Transport AS",
        "agdertransport.no",
        "38",
        "Dronningens gate",
        "4610",
        "Kristiansand",
    ),
    (
        "Romerike Bygg AS",
        "romerikebygg.no",
        "63",
        "Jessheimvegen",
        "2050",
        "Jessheim",
    ),
    (
        "Helgeland IT-Service AS",
        "helgelandit.no",
        "75",
        "Havnegata",
        "8800",
        "Sandnessjøen",
    ),
];
const CONTACT_TITLES: &[&str] = &[
    "Daglig leder",
    "Regnskapsfører",
    "Salgssjef",
    "Prosjektleder",
    "Kundeansvarlig",
    "Innkjøper",
    "Servicetekniker",
    "Advokat",
];
const CONTACT_DEPARTMENTS: &[&str] = &["Salg", "Økonomi", "Drift", "Innkjøp", "Ledelse"];

fn ascii_mail(text: &str) -> String {
    text.to_lowercase()
        .replace('æ', "ae")
        .replace('ø', "o")
        .replace('å', "a")
        .replace(' ', "")
}

/// The `index`th generated contact: a person at a Norwegian company, with a direct line and
/// (mostly) a mobile number.
fn generated_contact(
    enterprise_id: &str,
    id_prefix: &str,
    index: usize,
    now: Timestamp,
    seq: i64,
) -> Contact {
    let first = CONTACT_FIRST_NAMES[index % CONTACT_FIRST_NAMES.len()];
    let last = CONTACT_LAST_NAMES
        [(index / CONTACT_FIRST_NAMES.len() + index * 7) % CONTACT_LAST_NAMES.len()];
    let (company, domain, area, street, postal_code, place) =
        CONTACT_COMPANIES[(index / 3) % CONTACT_COMPANIES.len()];
    let serial = index % 1_000_000;
    let mut numbers = vec![ContactNumber {
        kind: "work".into(),
        number: format!("47{area}{serial:06}"),
    }];
    if index % 5 != 4 {
        numbers.push(ContactNumber {
            kind: "mobile".into(),
            number: format!("479{serial:07}"),
        });
    }
    Contact {
        id: format!("{id_prefix}{:07}", index + 1),
        enterprise_id: enterprise_id.to_owned(),
        details: ContactDetails {
            external_id: Some(format!("crm-{:07}", index + 1)),
            first_name: first.into(),
            last_name: last.into(),
            company: Some(company.into()),
            title: Some(CONTACT_TITLES[index % CONTACT_TITLES.len()].into()),
            department: Some(CONTACT_DEPARTMENTS[index % CONTACT_DEPARTMENTS.len()].into()),
            email: Some(format!(
                "{}.{}@{domain}",
                ascii_mail(first),
                ascii_mail(last)
            )),
            numbers,
            street_address: Some(format!("{street} {}", 1 + index % 60)),
            postal_code: Some(postal_code.into()),
            postal_place: Some(place.into()),
            note: index
                .is_multiple_of(10)
                .then(|| "Fast leverandør; avtale fornyes i mars.".into()),
        },
        created_at: now,
        updated_at: now,
        deleted_at: None,
        change_seq: seq,
    }
}

/// Contacts in the demo enterprise.
pub const DEMO_CONTACTS: usize = 200;

/// Contacts number `range` of the generator, numbered in the enterprise's change sequence.
pub(crate) async fn seed_contacts(
    conn: &mut Connection,
    enterprise_id: &str,
    id_prefix: &str,
    range: std::ops::Range<usize>,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let count = i64::try_from(range.len()).map_err(ServiceError::internal)?;
    let first = contacts::reserve_seqs(conn, enterprise_id, count).await?;
    let generated: Vec<Contact> = range
        .zip(first..)
        .map(|(index, seq)| generated_contact(enterprise_id, id_prefix, index, now, seq))
        .collect();
    contacts::insert_many(conn, &generated).await?;
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::contacts::{ContactInput, details_from};

    #[test]
    fn generated_contacts_are_valid_and_distinct() {
        let mut emails = std::collections::HashSet::new();
        for index in 0..200 {
            let contact =
                generated_contact("100001", "ct_demo_", index, Timestamp::from_millis(0), 1);
            let d = contact.details.clone();
            let input = ContactInput {
                external_id: d.external_id,
                first_name: Some(d.first_name),
                last_name: Some(d.last_name),
                company: d.company,
                title: d.title,
                department: d.department,
                email: d.email.clone(),
                numbers: d.numbers,
                street_address: d.street_address,
                postal_code: d.postal_code,
                postal_place: d.postal_place,
                note: d.note,
            };
            assert_eq!(details_from(input, "").unwrap(), contact.details);
            let email = d.email.unwrap();
            assert!(email.is_ascii(), "{email}");
            emails.insert(email);
        }
        assert!(emails.len() > 150, "only {} distinct e-mails", emails.len());
    }
}
