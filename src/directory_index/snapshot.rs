//! The directory as held in memory: what search and the gap analysis read, and
//! nothing else. Built from PostgreSQL by `load`, kept current by `listen`.
//!
//! A state or national directory is hundreds of thousands of providers, each with a
//! handful of tiny parts (a service or two, a location, a county). Held as separate
//! allocations they cost more in pointers, allocator headers and fragmentation than in
//! data, so a [`Store`] packs them: one fixed-size record per provider, and every part
//! of every provider in a few long arrays the records point into.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use chrono::NaiveDate;
use geo::{BoundingRect, MultiPolygon, Rect};
use uuid::Uuid;

use super::rooms::RoomBoard;
pub use super::trees::LocationEntry;
use super::trees::{Positions, TreeEntry};
use crate::needs::Phase;
use crate::partnerships::rules::{self, MouStatus};
use crate::providers::Provider;

/// Need categories beyond this many cannot be held as a 64-bit set; the index then
/// refuses to load and search stays on PostgreSQL.
pub const MAX_NEEDS: usize = 64;

/// A need category, as the gap matrix shows it.
#[derive(Clone, Debug)]
pub struct NeedInfo {
    pub code: String,
    pub label: String,
    pub phase: Phase,
    pub position: i32,
}

/// A county with its boundary, for point-in-county lookups.
#[derive(Clone, Debug)]
pub struct CountyShape {
    pub fips: String,
    pub name: String,
    pub boundary: MultiPolygon<f64>,
    pub bounds: Option<Rect<f64>>,
}

impl CountyShape {
    pub fn new(fips: String, name: String, boundary: MultiPolygon<f64>) -> Self {
        let bounds = boundary.bounding_rect();
        CountyShape { fips, name, boundary, bounds }
    }
}

/// The reference data: need categories (in matrix order) and counties (in name order,
/// as the matrix lists them).
#[derive(Debug)]
pub struct Catalog {
    pub needs: Vec<NeedInfo>,
    need_bits: HashMap<String, u32>,
    pub counties: Vec<CountyShape>,
    county_slots: HashMap<String, u16>,
    /// County slots in FIPS order: the order PostgreSQL breaks boundary ties in.
    pub by_fips: Vec<u16>,
}

impl Catalog {
    /// A catalog from need categories in position order and counties in name order.
    /// `None` when there are more needs than a need set can hold.
    pub fn new(needs: Vec<NeedInfo>, counties: Vec<CountyShape>) -> Option<Self> {
        if needs.len() > MAX_NEEDS || counties.len() > usize::from(u16::MAX) {
            return None;
        }
        let need_bits = needs.iter().enumerate().map(|(i, n)| (n.code.clone(), i as u32)).collect();
        let county_slots = counties.iter().enumerate().map(|(i, c)| (c.fips.clone(), i as u16)).collect();
        let mut by_fips: Vec<u16> = (0..counties.len() as u16).collect();
        by_fips.sort_by(|a, b| counties[usize::from(*a)].fips.cmp(&counties[usize::from(*b)].fips));
        Some(Catalog { needs, need_bits, counties, county_slots, by_fips })
    }

    /// The set holding one need, if it is known.
    pub fn need_bit(&self, code: &str) -> Option<u64> {
        self.need_bits.get(code).map(|&i| 1u64 << i)
    }

    /// The set of codes that are known (unknown ones are left out).
    pub fn need_set<'a>(&self, codes: impl IntoIterator<Item = &'a str>) -> u64 {
        codes.into_iter().filter_map(|c| self.need_bit(c)).fold(0, |set, bit| set | bit)
    }

    /// Every need of a phase.
    pub fn phase_set(&self, phase: Phase) -> u64 {
        self.needs.iter().enumerate().filter(|(_, n)| n.phase == phase).fold(0, |set, (i, _)| set | (1u64 << i))
    }

    pub fn county_slot(&self, fips: &str) -> Option<u16> {
        self.county_slots.get(fips).copied()
    }
}

/// An ISO 639 code (2–3 lower-case letters) packed into a number, so a service's
/// languages need no strings. Longer text cannot be a valid code and packs to a value
/// no valid code has.
pub fn pack_language(code: &str) -> u32 {
    let bytes = code.as_bytes();
    if bytes.len() > 4 {
        return u32::MAX;
    }
    bytes.iter().fold(0u32, |packed, &b| (packed << 8) | u32::from(b))
}

/// The code [`pack_language`] packed.
pub fn unpack_language(packed: u32) -> String {
    packed.to_be_bytes().iter().filter(|&&b| b != 0).map(|&b| char::from(b)).collect()
}

/// `len` items of one of a store's arrays, from `start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn range(self) -> Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// A service's searchable facts.
#[derive(Clone, Copy, Debug)]
pub struct ServiceEntry {
    /// The service's id (HSDS names a service at a location by both ids).
    pub id: Uuid,
    pub needs: u64,
    /// Packed by [`pack_language`], in the store's language array.
    languages: Span,
    /// Bits by `Population::ALL` order.
    pub populations: u8,
    pub open_24h: bool,
}

/// What HSDS lists of a service beyond what search needs, in the store's text: kept
/// beside `Store::services`, item for item, so the walks of search stay as short.
#[derive(Clone, Copy, Debug, Default)]
struct ServiceListing {
    name: Span,
    description: Option<Span>,
    eligibility: Option<Span>,
    cost: Option<Span>,
    /// When the service or its provider last changed, in microseconds since the epoch.
    modified_us: i64,
}

/// What HSDS lists of a location beyond its positions, in the store's text: kept beside
/// `Store::locations`, item for item.
#[derive(Clone, Copy, Debug, Default)]
struct LocationListing {
    name: Option<Span>,
    street: Option<Span>,
    city: Option<Span>,
    state: Option<Span>,
    postal_code: Option<Span>,
    /// Its county's slot in the catalog.
    county: Option<u16>,
}

/// A service's HSDS listing ([`ProviderRef::service_listing`]).
#[derive(Clone, Copy, Debug)]
pub struct ServiceText<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub eligibility: Option<&'a str>,
    pub cost: Option<&'a str>,
    /// When the service or its provider last changed, in microseconds since the epoch.
    pub modified_us: i64,
}

/// A location's HSDS listing ([`ProviderRef::location_listing`]).
#[derive(Clone, Copy, Debug)]
pub struct LocationText<'a> {
    pub name: Option<&'a str>,
    pub street: Option<&'a str>,
    pub city: Option<&'a str>,
    pub state: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    /// Its county's slot in the catalog.
    pub county: Option<u16>,
}

/// A span of time in which one unit of a service has room (`crate::capacity::room_state`
/// is `ROOM_NOW`): from when enough of its holds have expired (`i64::MIN`: already) until
/// its figure goes stale, both included; in microseconds since the Unix epoch. From the
/// SQL function `service_room_windows`, which `service_has_room` reads the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoomWindow {
    pub from_us: i64,
    pub until_us: i64,
}

impl RoomWindow {
    /// Whether the unit has room at `now_us`.
    pub fn open_at(&self, now_us: i64) -> bool {
        self.from_us <= now_us && now_us <= self.until_us
    }
}

/// A phone number of a provider: its number and label in the store's text, so a
/// crisis line can be given while the database cannot answer.
#[derive(Clone, Copy, Debug)]
pub struct PhoneEntry {
    number: Span,
    /// `None` without a label.
    label: Option<Span>,
    pub twenty_four_hour: bool,
}

/// An MOU: what decides whether it is in force, and the needs it covers.
#[derive(Clone, Copy, Debug)]
pub struct MouEntry {
    pub recorded: MouStatus,
    pub effective_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub scope: u64,
}

impl MouEntry {
    /// [`rules::mou_in_force`].
    pub fn in_force(&self, today: NaiveDate) -> bool {
        rules::mou_in_force(self.recorded, self.effective_on, self.expires_on, today)
    }
}

/// One provider (not archived): its listing, and where its active services and
/// locations, the counties it is located in or serves, and the inputs of its FUTURES
/// flags are in the store's arrays.
#[derive(Clone, Debug)]
struct Record {
    id: Uuid,
    organization_id: Option<Uuid>,
    version: i32,
    synthetic: bool,
    has_contact: bool,
    /// name, kind, description, website, email, one after the other.
    text: Span,
    /// Where each of those ends, from `text.start`; `u32::MAX` for an absent optional one.
    ends: [u32; 5],
    services: Span,
    locations: Span,
    /// County slots, sorted, without repeats.
    counties: Span,
    /// Days of the trainings that can count for HT training (`trained_on`).
    training: Span,
    /// MOUs with status ACTIVE.
    mous: Span,
    /// Phone numbers, in their listed order.
    phones: Span,
    /// The needs its locations were put into the trees of providers with room for, in the
    /// snapshot holding this store (`None`: not put there). Taking it out takes out these.
    room_in_trees: Option<u64>,
}

/// The parts of a provider that arrive one row at a time.
#[derive(Clone, Copy, Debug)]
pub enum Part {
    Services,
    Locations,
    Counties,
    Training,
    Mous,
    Phones,
}

/// Rows of one provider's parts did not arrive together (they must be ordered by
/// provider), or named a provider the store does not hold.
#[derive(Debug, thiserror::Error)]
#[error("directory rows for {0:?} arrived out of provider order")]
pub struct NotGrouped(pub Part);

impl From<NotGrouped> for crate::error::AppError {
    fn from(e: NotGrouped) -> Self {
        crate::error::AppError::internal(e)
    }
}

/// Arrays grow by this fraction of their length when a changed provider needs room.
const GROWTH: usize = 16;

/// How much to reserve so that `extra` more items fit after `len` with `spare` room left:
/// nothing when they fit, else a sixteenth of the length rather than a doubling (after a
/// load the arrays are exactly full, and doubling a 10 MB array for one changed provider
/// would hold 10 MB more for good).
fn growth_for(len: usize, spare: usize, extra: usize) -> Option<usize> {
    (spare < extra).then(|| extra.max(len / GROWTH))
}

/// Makes room for `extra` more items (see [`growth_for`]).
fn make_room<T>(items: &mut Vec<T>, extra: usize) {
    if let Some(more) = growth_for(items.len(), items.capacity() - items.len(), extra) {
        items.reserve_exact(more);
    }
}

/// Providers packed for memory: a record per provider by slot, their parts in shared
/// arrays. Slots are stable while a provider stays; a freed slot is reused. The room
/// windows of their services are on a board shared with the stores of every view of the
/// same load (see `rooms`): a clone shares it.
#[derive(Clone, Default)]
pub struct Store {
    records: Vec<Option<Record>>,
    slots: HashMap<Uuid, u32>,
    vacant: Vec<u32>,
    text: String,
    services: Vec<ServiceEntry>,
    /// Beside `services`, item for item.
    service_listings: Vec<ServiceListing>,
    languages: Vec<u32>,
    board: Arc<RoomBoard>,
    locations: Vec<LocationEntry>,
    /// Beside `locations`, item for item.
    location_listings: Vec<LocationListing>,
    counties: Vec<u16>,
    training: Vec<NaiveDate>,
    mous: Vec<MouEntry>,
    phones: Vec<PhoneEntry>,
    /// Bytes of the arrays no record points at any more (left by replaced providers).
    stale_bytes: usize,
}

impl Store {
    /// An empty store sharing `other`'s room board (a view's changes beside its base).
    pub(super) fn sharing_board_of(other: &Store) -> Store {
        Store { board: Arc::clone(&other.board), ..Store::default() }
    }

    /// The room windows of this store's services.
    pub(super) fn board(&self) -> &RoomBoard {
        &self.board
    }

    /// Records the needs the provider in `slot` was put into the trees of providers with
    /// room for (see `Record::room_in_trees`).
    pub(super) fn set_room_in_trees(&mut self, slot: u32, needs: Option<u64>) {
        if let Some(Some(record)) = self.records.get_mut(slot as usize) {
            record.room_in_trees = needs;
        }
    }

    /// Adds a provider's listing, with no parts yet; they follow through
    /// [`Store::push_service`] and the like. Returns its slot.
    pub fn add_listing(&mut self, p: &Provider) -> u32 {
        let start = self.text.len() as u32;
        let mut ends = [0u32; 5];
        let parts = [Some(&p.name), Some(&p.kind), p.description.as_ref(), p.website.as_ref(), p.email.as_ref()];
        for (end, part) in ends.iter_mut().zip(parts) {
            *end = match part {
                Some(part) => {
                    self.text.push_str(part);
                    self.text.len() as u32 - start
                }
                None => u32::MAX,
            };
        }
        let record = Record {
            id: p.id,
            organization_id: p.organization_id,
            version: p.version,
            synthetic: p.synthetic,
            has_contact: false,
            text: Span { start, len: self.text.len() as u32 - start },
            ends,
            services: Span::default(),
            locations: Span::default(),
            counties: Span::default(),
            training: Span::default(),
            mous: Span::default(),
            phones: Span::default(),
            room_in_trees: None,
        };
        self.install(record)
    }

    fn install(&mut self, record: Record) -> u32 {
        let id = record.id;
        let slot = match self.vacant.pop() {
            Some(slot) => {
                self.records[slot as usize] = Some(record);
                slot
            }
            None => {
                make_room(&mut self.records, 1);
                self.records.push(Some(record));
                (self.records.len() - 1) as u32
            }
        };
        self.slots.insert(id, slot);
        slot
    }

    /// The slot of a provider held here.
    pub fn slot(&self, id: &Uuid) -> Option<u32> {
        self.slots.get(id).copied()
    }

    /// Number of providers held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The provider in `slot`, if the slot is taken.
    pub fn get(&self, slot: u32) -> Option<ProviderRef<'_>> {
        let record = self.records.get(slot as usize)?.as_ref()?;
        Some(ProviderRef { record, store: self, slot })
    }

    /// Every provider held, by slot.
    pub fn iter(&self) -> impl Iterator<Item = ProviderRef<'_>> {
        self.records
            .iter()
            .enumerate()
            .filter_map(|(slot, r)| r.as_ref().map(|record| ProviderRef { record, store: self, slot: slot as u32 }))
    }

    /// Grows `slot`'s span of `part` by one item just appended at `at`; the provider's
    /// items of a part must be appended one after the other.
    fn extend_span(&mut self, slot: u32, part: Part, at: usize) -> Result<(), NotGrouped> {
        let record = self.records.get_mut(slot as usize).and_then(Option::as_mut).ok_or(NotGrouped(part))?;
        let span = match part {
            Part::Services => &mut record.services,
            Part::Locations => &mut record.locations,
            Part::Counties => &mut record.counties,
            Part::Training => &mut record.training,
            Part::Mous => &mut record.mous,
            Part::Phones => &mut record.phones,
        };
        if span.len == 0 {
            span.start = at as u32;
        } else if (span.start + span.len) as usize != at {
            return Err(NotGrouped(part));
        }
        span.len += 1;
        Ok(())
    }

    /// Appends a service of the provider in `slot`.
    pub fn push_service(
        &mut self,
        slot: u32,
        id: Uuid,
        needs: u64,
        languages: impl IntoIterator<Item = u32>,
        populations: u8,
        open_24h: bool,
    ) -> Result<(), NotGrouped> {
        let start = self.languages.len();
        self.languages.extend(languages);
        let languages = Span { start: start as u32, len: (self.languages.len() - start) as u32 };
        self.services.push(ServiceEntry { id, needs, languages, populations, open_24h });
        self.service_listings.push(ServiceListing::default());
        self.extend_span(slot, Part::Services, self.services.len() - 1)
    }

    /// Gives the service last pushed what HSDS lists of it.
    pub fn set_last_service_listing(
        &mut self,
        name: &str,
        description: Option<&str>,
        eligibility: Option<&str>,
        cost: Option<&str>,
        modified_us: i64,
    ) {
        let listing = ServiceListing {
            name: self.push_text(name),
            description: description.map(|t| self.push_text(t)),
            eligibility: eligibility.map(|t| self.push_text(t)),
            cost: cost.map(|t| self.push_text(t)),
            modified_us,
        };
        if let Some(last) = self.service_listings.last_mut() {
            *last = listing;
        }
    }

    /// Gives the service last pushed the spans of time in which it has room.
    pub fn set_last_service_rooms(&mut self, rooms: impl IntoIterator<Item = RoomWindow>) {
        if let Some(service) = self.services.last() {
            self.board.set(service.id, &rooms.into_iter().collect::<Vec<_>>());
        }
    }

    /// Appends a location of the provider in `slot`.
    pub fn push_location(&mut self, slot: u32, location: LocationEntry) -> Result<(), NotGrouped> {
        self.locations.push(location);
        self.location_listings.push(LocationListing::default());
        self.extend_span(slot, Part::Locations, self.locations.len() - 1)
    }

    /// Gives the location last pushed what HSDS lists of it: its name, address parts
    /// (as stored, in this order: name, street, city, state, postal code) and county.
    pub fn set_last_location_listing(&mut self, texts: [Option<&str>; 5], county: Option<u16>) {
        let [name, street, city, state, postal_code] = texts.map(|t| t.map(|t| self.push_text(t)));
        if let Some(last) = self.location_listings.last_mut() {
            *last = LocationListing { name, street, city, state, postal_code, county };
        }
    }

    /// Appends a county to those of the provider in `slot`; they must come sorted and
    /// without repeats.
    pub fn push_county(&mut self, slot: u32, county: u16) -> Result<(), NotGrouped> {
        self.counties.push(county);
        self.extend_span(slot, Part::Counties, self.counties.len() - 1)
    }

    /// Appends the day of a training that can count for HT training
    /// ([`rules::counts_as_ht_training`]).
    pub fn push_training(&mut self, slot: u32, trained_on: NaiveDate) -> Result<(), NotGrouped> {
        self.training.push(trained_on);
        self.extend_span(slot, Part::Training, self.training.len() - 1)
    }

    /// Appends an ACTIVE MOU.
    pub fn push_mou(&mut self, slot: u32, mou: MouEntry) -> Result<(), NotGrouped> {
        self.mous.push(mou);
        self.extend_span(slot, Part::Mous, self.mous.len() - 1)
    }

    /// Appends a phone number of the provider in `slot` (in listed order).
    pub fn push_phone(
        &mut self,
        slot: u32,
        number: &str,
        label: Option<&str>,
        twenty_four_hour: bool,
    ) -> Result<(), NotGrouped> {
        let number = self.push_text(number);
        let label = label.map(|l| self.push_text(l));
        self.phones.push(PhoneEntry { number, label, twenty_four_hour });
        self.extend_span(slot, Part::Phones, self.phones.len() - 1)
    }

    /// Copies text of another store's into this one's.
    fn copy_text(&mut self, from: &Store, at: Span) -> Span {
        self.push_text(&from.text[at.range()])
    }

    fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        Span { start, len: text.len() as u32 }
    }

    /// Marks the provider in `slot` as having a contact known to the network.
    pub fn set_has_contact(&mut self, slot: u32) {
        if let Some(Some(record)) = self.records.get_mut(slot as usize) {
            record.has_contact = true;
        }
    }

    /// Copies a provider of another store in, parts and all (replacing nothing: the
    /// caller has removed any older copy). Returns its slot.
    pub(super) fn copy_in(&mut self, p: ProviderRef<'_>) -> u32 {
        let record = self.copy_parts(p);
        self.install(record)
    }

    /// Copies a provider of another store in with new room windows for its services
    /// (`rooms`: each active service's, by id), as `copy_in`. `None`, copying nothing,
    /// when `rooms` does not name exactly the provider's services: it changed otherwise
    /// too, and must be read whole.
    pub(super) fn copy_in_with_rooms(
        &mut self,
        p: ProviderRef<'_>,
        rooms: &HashMap<Uuid, Vec<RoomWindow>>,
    ) -> Option<u32> {
        if !p.has_services_of(rooms) {
            return None;
        }
        let record = self.copy_parts(p);
        for (service, windows) in rooms {
            self.board.set(*service, windows);
        }
        Some(self.install(record))
    }

    /// Appends `p`'s text and parts to this store's arrays (its room windows to this
    /// store's board, when that is another); returns its record here.
    fn copy_parts(&mut self, p: ProviderRef<'_>) -> Record {
        fn append<T: Copy>(to: &mut Vec<T>, items: &[T]) -> Span {
            make_room(to, items.len());
            let start = to.len() as u32;
            to.extend_from_slice(items);
            Span { start, len: items.len() as u32 }
        }
        let from = p.store;
        let r = p.record;
        let text_start = self.text.len() as u32;
        let text = &from.text[r.text.range()];
        if let Some(more) = growth_for(self.text.len(), self.text.capacity() - self.text.len(), text.len()) {
            self.text.reserve_exact(more);
        }
        self.text.push_str(text);
        let services = from.services[r.services.range()]
            .iter()
            .map(|s| ServiceEntry {
                languages: append(&mut self.languages, &from.languages[s.languages.range()]),
                ..*s
            })
            .collect::<Vec<_>>();
        if !Arc::ptr_eq(&self.board, &from.board) {
            for s in &services {
                self.board.set(s.id, &from.board.of(&s.id));
            }
        }
        let phones = from.phones[r.phones.range()]
            .iter()
            .map(|phone| PhoneEntry {
                number: self.push_text(&from.text[phone.number.range()]),
                label: phone.label.map(|l| self.push_text(&from.text[l.range()])),
                ..*phone
            })
            .collect::<Vec<_>>();
        let service_listings: Vec<ServiceListing> = from.service_listings[r.services.range()]
            .iter()
            .map(|l| ServiceListing {
                name: self.copy_text(from, l.name),
                description: l.description.map(|t| self.copy_text(from, t)),
                eligibility: l.eligibility.map(|t| self.copy_text(from, t)),
                cost: l.cost.map(|t| self.copy_text(from, t)),
                ..*l
            })
            .collect();
        let location_listings: Vec<LocationListing> = from.location_listings[r.locations.range()]
            .iter()
            .map(|l| LocationListing {
                name: l.name.map(|t| self.copy_text(from, t)),
                street: l.street.map(|t| self.copy_text(from, t)),
                city: l.city.map(|t| self.copy_text(from, t)),
                state: l.state.map(|t| self.copy_text(from, t)),
                postal_code: l.postal_code.map(|t| self.copy_text(from, t)),
                ..*l
            })
            .collect();
        // Beside their entries, item for item: appended where those are.
        append(&mut self.service_listings, &service_listings);
        append(&mut self.location_listings, &location_listings);
        Record {
            text: Span { start: text_start, len: r.text.len },
            services: append(&mut self.services, &services),
            locations: append(&mut self.locations, &from.locations[r.locations.range()]),
            counties: append(&mut self.counties, &from.counties[r.counties.range()]),
            training: append(&mut self.training, &from.training[r.training.range()]),
            mous: append(&mut self.mous, &from.mous[r.mous.range()]),
            phones: append(&mut self.phones, &phones),
            room_in_trees: None,
            ..r.clone()
        }
    }

    /// Takes the provider out of `slot`; its parts stay behind as stale bytes until
    /// the next compaction.
    pub(super) fn remove(&mut self, slot: u32) {
        let Some(record) = self.records.get_mut(slot as usize).and_then(Option::take) else { return };
        self.slots.remove(&record.id);
        self.vacant.push(slot);
        let r = &record;
        let languages: usize =
            self.services[r.services.range()].iter().map(|s| s.languages.len as usize).sum::<usize>()
                * size_of::<u32>();
        let phone_text: usize =
            self.phones[r.phones.range()].iter().map(|p| (p.number.len + p.label.map_or(0, |l| l.len)) as usize).sum();
        let len = |t: Option<Span>| t.map_or(0, |t| t.len as usize);
        let service_text: usize = self.service_listings[r.services.range()]
            .iter()
            .map(|l| l.name.len as usize + len(l.description) + len(l.eligibility) + len(l.cost))
            .sum();
        let location_text: usize = self.location_listings[r.locations.range()]
            .iter()
            .map(|l| len(l.name) + len(l.street) + len(l.city) + len(l.state) + len(l.postal_code))
            .sum();
        self.stale_bytes += r.text.len as usize
            + phone_text
            + service_text
            + location_text
            + r.services.len as usize * size_of::<ServiceListing>()
            + r.locations.len as usize * size_of::<LocationListing>()
            + r.phones.len as usize * size_of::<PhoneEntry>()
            + languages
            + r.services.len as usize * size_of::<ServiceEntry>()
            + r.locations.len as usize * size_of::<LocationEntry>()
            + r.counties.len as usize * size_of::<u16>()
            + r.training.len as usize * size_of::<NaiveDate>()
            + r.mous.len as usize * size_of::<MouEntry>();
    }

    fn array_bytes(&self) -> usize {
        self.text.len()
            + self.languages.len() * size_of::<u32>()
            + self.services.len() * (size_of::<ServiceEntry>() + size_of::<ServiceListing>())
            + self.locations.len() * (size_of::<LocationEntry>() + size_of::<LocationListing>())
            + self.counties.len() * size_of::<u16>()
            + self.training.len() * size_of::<NaiveDate>()
            + self.mous.len() * size_of::<MouEntry>()
            + self.phones.len() * size_of::<PhoneEntry>()
    }

    /// Rewrites the arrays without stale bytes once those outgrow the live ones; slots
    /// stay as they are.
    pub(super) fn compact_if_worthwhile(&mut self) {
        const AT_LEAST: usize = 1 << 20;
        if self.stale_bytes >= AT_LEAST && self.stale_bytes * 2 >= self.array_bytes() {
            self.compact_now();
        }
    }

    /// Rewrites the arrays with only the parts of providers held, in slot order.
    fn compact_now(&mut self) {
        let fresh = Store::sharing_board_of(self);
        let old = std::mem::replace(self, fresh);
        self.records.reserve_exact(old.records.len());
        for (slot, record) in old.records.iter().enumerate() {
            let copied =
                record.as_ref().map(|record| self.copy_parts(ProviderRef { record, store: &old, slot: slot as u32 }));
            self.records.push(copied);
        }
        self.slots = old.slots;
        self.vacant = old.vacant;
        self.shrink_to_fit();
    }

    /// Gives back what growing the arrays over-allocated.
    pub fn shrink_to_fit(&mut self) {
        self.records.shrink_to_fit();
        self.slots.shrink_to_fit();
        self.text.shrink_to_fit();
        self.services.shrink_to_fit();
        self.service_listings.shrink_to_fit();
        self.languages.shrink_to_fit();
        self.locations.shrink_to_fit();
        self.location_listings.shrink_to_fit();
        self.counties.shrink_to_fit();
        self.training.shrink_to_fit();
        self.mous.shrink_to_fit();
        self.phones.shrink_to_fit();
    }
}

/// The needs of the `services` that `can_give_room`; `None` when none can (the rule of
/// [`ProviderRef::room_needs`], for windows on the board or about to be).
pub(super) fn room_needs_where(
    services: &[ServiceEntry],
    can_give_room: impl Fn(&ServiceEntry) -> bool,
) -> Option<u64> {
    services.iter().filter(|s| can_give_room(s)).fold(None, |set, s| Some(set.unwrap_or(0) | s.needs))
}

/// A provider as search and the gap analysis read it.
#[derive(Clone, Copy)]
pub struct ProviderRef<'a> {
    record: &'a Record,
    store: &'a Store,
    slot: u32,
}

impl std::fmt::Debug for ProviderRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderRef").field("id", &self.record.id).field("slot", &self.slot).finish()
    }
}

impl<'a> ProviderRef<'a> {
    pub fn id(&self) -> Uuid {
        self.record.id
    }

    /// Its slot in the store (stable while it is held).
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// The `i`th text (see `Record::text`), if present.
    fn text(&self, i: usize) -> Option<&'a str> {
        let ends = &self.record.ends;
        if ends[i] == u32::MAX {
            return None;
        }
        let begin = ends[..i].iter().rev().find(|&&e| e != u32::MAX).copied().unwrap_or(0);
        let base = self.record.text.start as usize;
        Some(&self.store.text[base + begin as usize..base + ends[i] as usize])
    }

    pub fn name(&self) -> &'a str {
        self.text(0).unwrap_or_default()
    }

    /// The organization keeping the listing, if any.
    pub fn organization_id(&self) -> Option<Uuid> {
        self.record.organization_id
    }

    /// Whether the provider is synthetic (test or bench data).
    pub fn synthetic(&self) -> bool {
        self.record.synthetic
    }

    /// The listing as search returns it.
    pub fn to_provider(self) -> Provider {
        let owned = |i| self.text(i).map(str::to_owned);
        Provider {
            id: self.record.id,
            name: self.name().to_owned(),
            kind: owned(1).unwrap_or_default(),
            description: owned(2),
            website: owned(3),
            email: owned(4),
            synthetic: self.record.synthetic,
            organization_id: self.record.organization_id,
            version: self.record.version,
        }
    }

    /// Phone numbers in listed order: number, label, answered around the clock.
    pub fn phones(self) -> impl Iterator<Item = (&'a str, Option<&'a str>, bool)> + 'a {
        let store = self.store;
        store.phones[self.record.phones.range()]
            .iter()
            .map(move |p| (&store.text[p.number.range()], p.label.map(|l| &store.text[l.range()]), p.twenty_four_hour))
    }

    /// Active services.
    pub fn services(&self) -> &'a [ServiceEntry] {
        &self.store.services[self.record.services.range()]
    }

    /// What HSDS lists of the `i`th of [`ProviderRef::services`].
    pub fn service_listing(&self, i: usize) -> Option<ServiceText<'a>> {
        let store = self.store;
        let l = store.service_listings.get(self.record.services.range()).and_then(|ls| ls.get(i))?;
        let text = |t: Span| &store.text[t.range()];
        Some(ServiceText {
            name: text(l.name),
            description: l.description.map(text),
            eligibility: l.eligibility.map(text),
            cost: l.cost.map(text),
            modified_us: l.modified_us,
        })
    }

    /// What HSDS lists of the `i`th of [`ProviderRef::locations`].
    pub fn location_listing(&self, i: usize) -> Option<LocationText<'a>> {
        let store = self.store;
        let l = store.location_listings.get(self.record.locations.range()).and_then(|ls| ls.get(i))?;
        let text = |t: Span| &store.text[t.range()];
        Some(LocationText {
            name: l.name.map(text),
            street: l.street.map(text),
            city: l.city.map(text),
            state: l.state.map(text),
            postal_code: l.postal_code.map(text),
            county: l.county,
        })
    }

    /// A service's languages, packed by [`pack_language`].
    pub fn languages(&self, service: &ServiceEntry) -> &'a [u32] {
        &self.store.languages[service.languages.range()]
    }

    /// Whether a service has room at `now_us` (see [`RoomWindow`]).
    pub fn has_room(&self, service: &ServiceEntry, now_us: i64) -> bool {
        self.store.board.open_at(&service.id, now_us)
    }

    /// The needs of its services that can give room at some moment from `since_us` on
    /// (a room window not over by then); `None` when none can. Windows change only with a
    /// capacity change, so one over is over for good.
    pub fn room_needs(&self, since_us: i64) -> Option<u64> {
        room_needs_where(self.services(), |s| self.store.board.open_after(&s.id, since_us))
    }

    /// The needs its locations were put into the trees of providers with room for.
    pub(super) fn room_in_trees(&self) -> Option<u64> {
        self.record.room_in_trees
    }

    /// Whether `rooms` names exactly its active services.
    pub(super) fn has_services_of<T>(&self, rooms: &HashMap<Uuid, T>) -> bool {
        let services = self.services();
        services.len() == rooms.len() && services.iter().all(|s| rooms.contains_key(&s.id))
    }

    /// Active locations.
    pub fn locations(&self) -> &'a [LocationEntry] {
        &self.store.locations[self.record.locations.range()]
    }

    /// County slots it is located in or serves, sorted.
    pub fn counties(&self) -> &'a [u16] {
        &self.store.counties[self.record.counties.range()]
    }

    /// "Have a contact?"
    pub fn has_contact(&self) -> bool {
        self.record.has_contact
    }

    /// "Trained on HT?" on `today`: one of its trainings that can count is current
    /// ([`rules::training_current`]).
    pub fn ht_trained(&self, today: NaiveDate) -> bool {
        let trained_on = &self.store.training[self.record.training.range()];
        trained_on.iter().any(|&on| rules::training_current(on, today))
    }

    fn mous(&self) -> &'a [MouEntry] {
        &self.store.mous[self.record.mous.range()]
    }

    /// "Partner with them?": an MOU in force.
    pub fn has_active_mou(&self, today: NaiveDate) -> bool {
        self.mous().iter().any(|m| m.in_force(today))
    }

    /// Needs covered by MOUs in force.
    pub fn mou_needs(&self, today: NaiveDate) -> u64 {
        self.mous().iter().filter(|m| m.in_force(today)).fold(0, |set, m| set | m.scope)
    }

    /// Needs met by any active service.
    pub fn needs(&self) -> u64 {
        self.services().iter().fold(0, |set, s| set | s.needs)
    }
}

/// Counts of one county × need cell, as the gap matrix's SQL computes them (kept by
/// `query::count_provider`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellCounts {
    pub provider_count: i64,
    pub with_contact: i64,
    pub with_active_mou: i64,
    pub ht_trained: i64,
    pub partners: i64,
    pub trained_partners: i64,
}

/// A directory in memory: the providers of a store, where their locations are, which
/// counties each serves, and the gap-matrix counts. Once readers hold it (see `view`) it
/// is never changed; changes are made to a copy.
#[derive(Clone)]
pub struct Snapshot {
    /// The reference data every view shares: need categories and counties.
    pub catalog: Arc<Catalog>,
    pub(super) store: Store,
    /// Where the locations are, for nearest-first walks.
    pub(super) positions: Positions,
    /// Slots of the providers located in or serving each county (by county slot).
    pub(super) serving: Vec<HashSet<u32>>,
    /// The database's `current_date`, which the FUTURES flags are evaluated on.
    pub(super) today: NaiveDate,
    /// Gap-matrix counts, county slot × need.
    pub(super) cells: Vec<CellCounts>,
}

impl Snapshot {
    /// The provider in `slot`.
    pub fn provider(&self, slot: u32) -> Option<ProviderRef<'_>> {
        self.store.get(slot)
    }

    /// Number of providers held.
    pub fn provider_count(&self) -> usize {
        self.store.len()
    }

    /// Number of locations held.
    pub fn location_count(&self) -> usize {
        self.positions.locations()
    }

    /// About how many bytes the index holds, by part, for the load log.
    pub fn approximate_bytes(&self) -> [(&'static str, usize); 4] {
        let s = &self.store;
        let records = s.records.capacity() * size_of::<Option<Record>>()
            + s.slots.capacity() * (size_of::<(Uuid, u32)>() + 1)
            + s.vacant.capacity() * 4;
        let arrays = s.text.capacity()
            + s.services.capacity() * size_of::<ServiceEntry>()
            + s.service_listings.capacity() * size_of::<ServiceListing>()
            + s.languages.capacity() * size_of::<u32>()
            + s.board.approximate_bytes()
            + s.locations.capacity() * size_of::<LocationEntry>()
            + s.location_listings.capacity() * size_of::<LocationListing>()
            + s.counties.capacity() * size_of::<u16>()
            + s.training.capacity() * size_of::<NaiveDate>()
            + s.mous.capacity() * size_of::<MouEntry>();
        // Leaves and the inner nodes above them (a node holds up to six children).
        let trees = self.positions.entries() * size_of::<rstar::RTreeNode<TreeEntry>>() * 6 / 5;
        let serving: usize = self.serving.iter().map(|c| c.capacity() * (size_of::<u32>() + 1)).sum();
        let counties: usize =
            self.catalog.counties.iter().map(|c| geo::CoordsIter::coords_count(&c.boundary) * 16).sum();
        [("records", records), ("arrays", arrays), ("trees", trees + serving), ("county_shapes", counties)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_language_unpacks_to_its_code() {
        for code in ["es", "en", "vie", "zh"] {
            assert_eq!(unpack_language(pack_language(code)), code);
        }
    }

    fn provider(name: &str) -> Provider {
        Provider {
            id: Uuid::new_v4(),
            name: name.into(),
            kind: "dv_sa_agency".into(),
            description: None,
            website: Some("https://example.org".into()),
            email: Some(String::new()),
            synthetic: true,
            organization_id: Some(Uuid::new_v4()),
            version: 7,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).expect("a day of January")
    }

    /// A store of `n` providers, each with parts that tell them apart.
    fn store_of(n: u32) -> (Store, Vec<Provider>) {
        let mut store = Store::default();
        let providers: Vec<Provider> = (0..n).map(|i| provider(&format!("Shelter {i} (synthetic)"))).collect();
        for (i, p) in (0..n).zip(&providers) {
            let slot = store.add_listing(p);
            store
                .push_service(
                    slot,
                    Uuid::from_u128(u128::from(i)),
                    1 << (i % 64),
                    [pack_language("es"), i],
                    0b10,
                    i % 2 == 0,
                )
                .expect("grouped");
            let at = (-79.0 + f64::from(i) / 1000.0, 35.0);
            store
                .push_location(
                    slot,
                    LocationEntry { id: Uuid::from_u128(u128::from(i)), exact: at, public: at, confidential: false },
                )
                .expect("grouped");
            store.push_county(slot, (i % 90) as u16).expect("grouped");
            store.push_county(slot, 90).expect("grouped");
            // Trained three years before day 1 and after: lapsed on day 2 for some, not others.
            let trained_on = NaiveDate::from_ymd_opt(2023, 1, 1).expect("a day") + chrono::Days::new(u64::from(i % 5));
            store.push_training(slot, trained_on).expect("grouped");
            let mou = MouEntry {
                recorded: MouStatus::Active,
                effective_on: day(1),
                expires_on: day(3),
                scope: 1 << (i % 64),
            };
            store.push_mou(slot, mou).expect("grouped");
        }
        (store, providers)
    }

    fn parts(p: ProviderRef<'_>) -> String {
        let services: Vec<_> =
            p.services().iter().map(|s| (s.needs, p.languages(s).to_vec(), s.populations, s.open_24h)).collect();
        let locations: Vec<_> = p.locations().iter().map(|l| (l.exact, l.public, l.confidential)).collect();
        format!(
            "{:?} {services:?} {locations:?} {:?} {} {} {}",
            p.to_provider(),
            p.counties(),
            p.has_contact(),
            p.ht_trained(day(2)),
            p.mou_needs(day(2))
        )
    }

    #[test]
    fn a_listing_keeps_every_text_and_every_absence() {
        let mut store = Store::default();
        let full = Provider { name: "Ålpha Shelter (synthetic)".into(), ..provider("") };
        let bare = Provider { description: Some("d".into()), website: None, email: None, ..provider("Beta") };
        let (a, b) = (store.add_listing(&full), store.add_listing(&bare));
        assert_eq!(store.get(a).map(|p| p.to_provider()), Some(full));
        assert_eq!(store.get(b).map(|p| p.to_provider()), Some(bare));
    }

    #[test]
    fn parts_arriving_out_of_provider_order_are_refused() {
        let mut store = Store::default();
        let (a, b) = (store.add_listing(&provider("A")), store.add_listing(&provider("B")));
        store.push_county(a, 1).expect("first of a");
        store.push_county(b, 1).expect("first of b");
        assert!(store.push_county(a, 2).is_err(), "a's counties would be split");
        assert!(store.push_county(99, 1).is_err(), "no such slot");
    }

    #[test]
    fn replaced_providers_keep_their_parts_and_stale_bytes_are_compacted_away() {
        let (store, _) = store_of(40);
        let catalog = Arc::new(Catalog::new(Vec::new(), Vec::new()).expect("an empty catalog"));
        let mut snapshot = Snapshot { catalog, store, ..empty_snapshot() };
        let before: HashMap<Uuid, String> = snapshot.store.iter().map(|p| (p.id(), parts(p))).collect();
        // Each round re-reads every provider (as the listener does after a change), which
        // leaves a full copy of stale bytes behind until compaction drops it.
        for _ in 0..3 {
            let (fresh, ids) = (copy_of(&snapshot.store), before.keys().copied().collect::<Vec<_>>());
            snapshot.replace_providers(&ids, &fresh);
            snapshot.store.compact_now();
            let after: HashMap<Uuid, String> = snapshot.store.iter().map(|p| (p.id(), parts(p))).collect();
            assert_eq!(after, before);
            assert_eq!(snapshot.store.stale_bytes, 0);
        }
        let gone = *before.keys().next().expect("a provider");
        snapshot.replace_providers(&[gone], &Store::default());
        assert_eq!(snapshot.store.slot(&gone), None);
        assert_eq!(snapshot.provider_count(), 39);
    }

    #[test]
    fn churn_is_compacted_once_stale_bytes_outgrow_the_live_ones() {
        let (store, _) = store_of(8_000);
        let mut snapshot = Snapshot { store, ..empty_snapshot() };
        let ids: Vec<Uuid> = snapshot.store.iter().map(|p| p.id()).collect();
        let before: HashMap<Uuid, String> = snapshot.store.iter().map(|p| (p.id(), parts(p))).collect();
        let live = snapshot.store.array_bytes();
        assert!(live > 1 << 20, "enough data to pass the compaction floor: {live}");
        // Re-reading half the providers (as the listener does after changes) leaves their
        // old parts behind, short of the live size...
        let (first, second) = ids.split_at(ids.len() / 2);
        snapshot.replace_providers(first, &copy_of(&snapshot.store));
        assert!(snapshot.store.stale_bytes > 0 && snapshot.store.stale_bytes * 2 < snapshot.store.array_bytes());
        // ...the other half makes them as large as the live ones, and the arrays are
        // rewritten with the live parts only.
        snapshot.replace_providers(second, &copy_of(&snapshot.store));
        assert_eq!(snapshot.store.stale_bytes, 0);
        assert_eq!(snapshot.store.array_bytes(), live);
        let after: HashMap<Uuid, String> = snapshot.store.iter().map(|p| (p.id(), parts(p))).collect();
        assert_eq!(after, before);
    }

    #[test]
    fn a_changed_provider_grows_the_arrays_a_little_not_twofold() {
        let (store, _) = store_of(2_000);
        let mut snapshot = Snapshot { store, ..empty_snapshot() };
        snapshot.store.shrink_to_fit();
        let held = |s: &Snapshot| s.approximate_bytes()[..2].iter().map(|(_, bytes)| bytes).sum::<usize>();
        let before = held(&snapshot);
        let id = snapshot.store.iter().next().expect("a provider").id();
        snapshot.replace_providers(&[id], &copy_of(&snapshot.store));
        let after = held(&snapshot);
        assert!(after > before && after <= before + before / 8, "{before} -> {after} bytes");
    }

    fn copy_of(store: &Store) -> Store {
        let mut copy = Store::default();
        for p in store.iter() {
            copy.copy_in(p);
        }
        copy
    }

    fn empty_snapshot() -> Snapshot {
        Snapshot {
            catalog: Arc::new(Catalog::new(Vec::new(), Vec::new()).expect("an empty catalog")),
            store: Store::default(),
            positions: Positions::empty(0),
            serving: vec![HashSet::new(); 100],
            today: day(2),
            cells: Vec::new(),
        }
    }
}
