//! Word lists for realistic-looking people and companies.

pub(crate) const FIRST: [&str; 64] = [
    "Ana", "Ben", "Chloe", "Dmitri", "Elena", "Farah", "Gustavo", "Hana", "Ivan", "Jia", "Kofi",
    "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Diego", "Emma", "Felix", "Grace",
    "Hugo", "Ines", "Jonas", "Keiko", "Liam", "Maya", "Noah", "Olga", "Pablo", "Rania", "Sofia",
    "Tomas", "Uma", "Victor", "Wanda", "Yara", "Amir", "Bianca", "Chen", "Dara", "Eitan", "Fiona",
    "Goran", "Helga", "Isaac", "Julia", "Kiran", "Lucia", "Marco", "Nina", "Oscar",
];

pub(crate) const LAST: [&str; 64] = [
    "Ruiz", "Chen", "Okafor", "Novak", "Schmidt", "Haddad", "Silva", "Tanaka", "Petrov", "Kim",
    "Mensah", "Larsen", "Garcia", "Ivanova", "Farouk", "Sharma", "Walsh", "Moreno", "Berg",
    "Singh", "Aziz", "Costa", "Wang", "Lopez", "Demir", "Martin", "Sato", "Rossi", "Vega", "Diaz",
    "Brown", "Fischer", "Lee", "Dubois", "Santos", "Weber", "Ito", "Murphy", "Cohen", "Nguyen",
    "Popescu", "Romero", "Khalil", "Andersen", "Horvat", "Patel", "Kowalski", "Jensen", "Mendes",
    "Hassan", "Ferrari", "Zhang", "Okoye", "Levi", "Gallagher", "Jovanovic", "Lindqvist",
    "Abbott", "Navarro", "Bianchi", "Nakamura", "Osei", "Park", "Quiroga",
];

pub(crate) const DEPTS: [&str; 8] = [
    "Sales", "Engineering", "Marketing", "Support", "Finance", "Operations", "Legal", "Product",
];

pub(crate) const TIMEZONES: [&str; 6] = [
    "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Tokyo",
    "Australia/Sydney",
];

pub(crate) const COMPANIES: [&str; 16] = [
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell",
    "cyberdyne", "soylent", "gringotts", "oscorp", "vandelay", "dunder", "aperture",
];

/// Aha! workspaces every generated tenant has; users hold roles in some of them.
pub(crate) const WORKSPACES: [&str; 4] = ["Platform", "Mobile App", "Web Portal", "Analytics"];

pub(crate) const CLIENT_VERSIONS: [&str; 4] =
    ["6.2.0.4(mac)", "6.1.11.31(win)", "6.0.12.2(ios)", "5.17.11.3(android)"];
