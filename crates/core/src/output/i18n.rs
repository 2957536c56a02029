//! The one translation table of the human-facing outputs (`report.html`,
//! `processing-record.md`/`.json`, `notice.txt`). In: a [`Lang`] and a label
//! ([`L`]), a reason code, a channel, an audience or a minimisation
//! category. Out: the text in that language. French is the default because
//! the readers are French sales teams and French data subjects; English is
//! `--lang en`.
//!
//! Labels are an enum, not string keys, so a missing translation is a
//! compile error rather than a blank cell in a report nobody proofreads.
//! The English meaning of a reason code is the catalogue's own
//! ([`Reason::meaning`], also printed by `qualify schema`), so there is a
//! single English source for it; the French one lives here.

use crate::schema::{Channel, Reason};

/// Language of the human-facing outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Français.
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag for `<html lang=...>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The colon before a value: French puts a no-break space before it.
    pub fn colon(self) -> &'static str {
        match self {
            Lang::Fr => "\u{a0}: ",
            Lang::En => ": ",
        }
    }

    /// An integer with the thousands separator of the language: French uses
    /// a narrow no-break space (`1 427`), English a comma (`1,427`).
    pub fn int(self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self {
            Lang::Fr => "\u{202f}",
            Lang::En => ",",
        };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// A share as a percentage with one decimal (`71,4 %` / `71.4%`).
    pub fn percent(self, part: u64, whole: u64) -> String {
        let p = if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        };
        match self {
            Lang::Fr => format!("{:.1}\u{a0}%", p).replace('.', ","),
            Lang::En => format!("{p:.1}%"),
        }
    }
}

macro_rules! labels {
    ($( $key:ident => $fr:literal, $en:literal; )*) => {
        /// Every label of the human-facing outputs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum L { $( $key, )* }

        /// All labels, for the completeness test.
        pub const ALL_LABELS: &[L] = &[ $( L::$key, )* ];

        impl L {
            pub fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (L::$key, Lang::Fr) => $fr, (L::$key, Lang::En) => $en, )*
                }
            }
        }
    };
}

labels! {
    // --- report.html -------------------------------------------------------
    ReportTitle => "Rapport de qualification", "Qualification report";
    Matching => "Rapprochement des doublons et des clients", "Matching duplicates and clients";
    MatchingIntro => "Les paires d'enregistrements proches sont notées par un modèle de Fellegi-Sunter appris sur les données de ce passage : chaque champ ajoute un poids (en bits, positif s'il rapproche, négatif s'il éloigne) à la probabilité a priori.", "Close pairs of records are scored by a Fellegi-Sunter model learnt from this run's data: each field adds a weight (in bits, positive when it brings the records together, negative when it sets them apart) to the prior.";
    MatchModelTrained => "Modèle appris sur ce passage", "Model learnt on this run";
    MatchModelFixed => "Modèle par défaut (paramètres fixes)", "Default model (fixed parameters)";
    MatchModelFile => "Modèle repris d'un fichier (--model)", "Model reused from a file (--model)";
    MatchWeights => "Poids de chaque niveau d'accord", "Weight of each agreement level";
    MatchBands => "Paires notées par probabilité", "Scored pairs by probability";
    MatchBorderline => "Paires à revoir (les plus proches de la décision)", "Pairs to review (closest to the decision)";
    MatchNoBorderline => "Aucune paire à revoir.", "No pair to review.";
    MatchPriorDup => "Doublons attendus par enregistrement", "Expected duplicates per record";
    MatchPriorClient => "Clients attendus par enregistrement", "Expected clients per record";
    MatchGuard => "Prénoms nettement différents jamais rapprochés (foyers)", "Clearly different first names never matched (households)";
    MatchGuardOn => "oui", "yes";
    MatchGuardOff => "non", "no";
    MatchGuardEvidence => "paires à une même adresse : même nom, autre prénom {a} ; même prénom, autre nom {b}", "pairs at one address: same last name, other first name {a}; same first name, other last name {b}";
    MatchWindowed => "Enregistrements dans un bloc trop grand, comparés à leurs voisins seulement", "Records in a block too big to compare whole, compared with their neighbours only";
    Probability => "Probabilité", "Probability";
    Agreed => "Champs concordants", "Fields that agree";
    Disagreed => "Champs discordants", "Fields that differ";
    ReportIntro => "Ce rapport résume ce que qualify a décidé pour chaque enregistrement de la liste, canal par canal, à la date d'effet. Les fichiers qualified.csv, rejected.csv et decisions.csv donnent le détail ligne par ligne.", "This report summarises what qualify decided for every record of the list, channel by channel, on the as-of date. qualified.csv, rejected.csv and decisions.csv give the detail row by row.";
    Headline => "En bref", "At a glance";
    HeadlineRead => "enregistrements lus", "records read";
    HeadlineQualified => "contactables sur au moins un canal", "contactable on at least one channel";
    HeadlineRejected => "refusés", "rejected";
    Repermission => "Consentement à redemander (repermission.csv) : enregistrements contactables dont la durée de conservation se termine dans les", "Consent to ask again (repermission.csv): contactable records whose retention window closes within";
    Days => "jours", "days";
    ChangesSince => "Depuis l'exécution précédente", "Since the previous run";
    NewlyDenied => "nouvellement refusés", "newly denied";
    NoLongerListed => "contactables absents de la liste", "contactable, no longer listed";
    NewlyAllowed => "nouvellement autorisés", "newly allowed";
    NewPeople => "nouvelles personnes", "new people";
    ChangesRows => "personne × canal, changes.csv", "person × channel, changes.csv";
    NotCompared => "non comparée", "not compared";
    HeadlineSplit => "Pourquoi les refusés le sont (un motif principal par enregistrement ; le total est celui des refusés)", "Why the rejected are rejected (one main reason per record; the total is the rejected count)";
    Total => "Total", "Total";
    MainReason => "Motif principal", "Main reason";
    ReasonsRecordLevel => "Motifs qui écartent l'enregistrement entier (tous les canaux)", "Reasons that exclude the whole record (every channel)";
    ReasonsRecordIntro => "Un enregistrement peut en avoir plusieurs ; chacun est compté une fois par motif.", "A record may have several; each is counted once per reason.";
    ReasonsChannelLevel => "Motifs par canal, pour les enregistrements que rien n'écarte en entier", "Reasons per channel, for the records nothing excludes as a whole";
    ReasonsChannelIntro => "Nombre d'enregistrements refusés sur ce canal par chaque motif (un enregistrement peut en avoir plusieurs).", "Records denied on this channel by each reason (a record may have several).";
    WarnValueDate => "dates non reconnues, lues comme inconnues", "unrecognised dates, read as unknown";
    WarnValueYesNo => "valeurs oui/non non reconnues, lues comme inconnues (donc sans consentement)", "unrecognised yes/no values, read as unknown (so no consent)";
    WarnValueRows => "lignes", "rows";
    WarnValueExamples => "exemples", "examples";
    WarnValueDateFix => "Corrigez ces cellules dans le fichier source (formats lus : AAAA-MM-JJ, avec ou sans heure, et JJ/MM/AAAA, JJ-MM-AAAA, JJ.MM.AAAA ; année sur quatre chiffres) puis relancez ; en attendant, ces enregistrements sont traités comme non datés.", "Fix these cells in the source file (formats read: YYYY-MM-DD, with or without a time, and DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY; four-digit years) and run again; until then these records are treated as undated.";
    WarnValueYesNoFix => "Corrigez ces cellules (valeurs lues : oui/non, yes/no, o/n, y/n, 1/0, x, true/false) ou nommez la colonne dans un fichier de correspondance, puis relancez.", "Fix these cells (values read: oui/non, yes/no, o/n, y/n, 1/0, x, true/false) or name the column in a mapping file, then run again.";
    Inputs => "Entrées", "Inputs";
    File => "Fichier", "File";
    Role => "Rôle", "Role";
    Rows => "Lignes", "Rows";
    RoleList => "liste de prospects", "prospect list";
    RoleManifest => "manifeste de provenance", "provenance manifest";
    RoleMapping => "correspondance des colonnes", "column mapping";
    RoleModel => "modèle de rapprochement", "match model";
    RoleLabels => "réponses de relecture", "review answers";
    RoleClients => "fichier clients", "client file";
    RoleOpposition => "liste d'opposition", "opposition list";
    RoleBloctel => "fichier Bloctel", "Bloctel file";
    Vendor => "Fournisseur", "Vendor";
    Method => "Mode de collecte", "Collection method";
    CollectedFrom => "Lieu de collecte", "Collected from";
    CollectionPeriod => "Période de collecte", "Collection period";
    ConsentWording => "Texte du consentement", "Consent wording";
    PartnersNamed => "Partenaires nommés", "Partners named";
    GenericPartners => "« partenaires » sans les nommer", "\"partners\" without naming them";
    NoPartners => "aucun", "none";
    AsOf => "Date d'effet", "As-of date";
    RulePack => "Règles appliquées", "Rule pack";
    Buyer => "Acheteur (qui contactera)", "Buyer (who will make contact)";
    NotSet => "non renseigné", "not set";
    NoManifest => "aucun manifeste : provenance inconnue", "no manifest: provenance unknown";
    From => "du", "from";
    To => "au", "to";
    Funnel => "Entonnoir", "Funnel";
    FunnelIntro => "Chaque étape garde les enregistrements qui passent toutes les précédentes.", "Each step keeps the records that pass every step before it.";
    Step => "Étape", "Step";
    Records => "Enregistrements", "Records";
    ShareOfRead => "Part des lignes lues", "Share of rows read";
    FunnelRead => "Lignes lues", "Rows read";
    FunnelValid => "Lisibles (non malformées)", "Readable (not malformed)";
    FunnelUnique => "Uniques (doublons écartés)", "Unique (duplicates removed)";
    FunnelNotClients => "Pas déjà clients", "Not already clients";
    FunnelFresh => "Récents (moins de la durée de conservation)", "Fresh (within the retention window)";
    FunnelContactable => "Contactables sur au moins un canal", "Contactable on at least one channel";
    Channels => "Canaux", "Channels";
    ChannelsIntro => "Nombre d'enregistrements contactables par canal et par public. Un public inconnu est traité comme des particuliers (règles les plus strictes).", "Records contactable per channel and audience. An unknown audience is treated as consumers (the stricter rules).";
    Channel => "Canal", "Channel";
    Contactable => "Contactables", "Contactable";
    Denied => "Refusés", "Denied";
    Audience => "Public", "Audience";
    AudienceIntro => "Classement de chaque enregistrement en professionnel (B2B) ou particulier (B2C), d'après ses propres données.", "Each record classified as a professional (B2B) or a consumer (B2C), from its own data.";
    Rejections => "Motifs de refus", "Rejection reasons";
    RejectionsIntro => "Nombre d'enregistrements concernés par chaque motif, sur au moins un canal. Un enregistrement peut avoir plusieurs motifs.", "Records affected by each reason on at least one channel. A record may have several reasons.";
    Code => "Code", "Code";
    Meaning => "Signification", "Meaning";
    Level => "Portée", "Scope";
    LevelRecord => "tous les canaux", "every channel";
    LevelChannel => "par canal", "per channel";
    NoRejection => "Aucun refus.", "No rejection.";
    Minimisation => "Colonnes supprimées (minimisation)", "Removed columns (minimisation)";
    MinimisationIntro => "Colonnes de la liste qui contiennent des données inutiles à la prospection (RGPD art. 5-1-c, 9 et 10) : elles ne figurent dans aucun fichier produit.", "List columns holding data prospection does not need (GDPR art. 5(1)(c), 9 and 10): they are in no output file.";
    Column => "Colonne", "Column";
    Category => "Catégorie", "Category";
    Why => "Pourquoi", "Why";
    NoRemoved => "Aucune colonne supprimée.", "No column removed.";
    Warnings => "Avertissements", "Warnings";
    NoWarning => "Aucun avertissement.", "No warning.";
    RunMessages => "Messages techniques de l'exécution (summary.json)", "Technical messages of the run (summary.json)";
    WarnGenericPartners => "Le consentement « partenaires » sans les nommer est accepté par la configuration (accept_generic_partners = true). La validité d'un tel consentement est une question pendante devant la Cour de justice de l'UE (affaire C-317/25).", "A consent to unnamed \"partners\" is accepted by configuration (accept_generic_partners = true). Whether such a consent is valid is pending before the EU Court of Justice (case C-317/25).";
    WarnNoManifest => "Aucun manifeste de provenance : tous les enregistrements sont refusés (no_provenance).", "No provenance manifest: every record is rejected (no_provenance).";
    WarnNoBuyer => "Aucun acheteur configuré : pour une liste tierce, rien ne montre que le consentement couvre la transmission.", "No buyer configured: for a third-party list nothing shows that the consent covers the transfer.";
    WarnBloctelAge => "Âge du fichier Bloctel à la date d'effet (jours) :", "Age of the Bloctel file on the as-of date (days):";
    WarnBloctelTooOld => "Le fichier Bloctel est trop ancien : les appels aux particuliers sont refusés (bloctel_outdated).", "The Bloctel file is too old: calls to consumers are denied (bloctel_outdated).";
    WarnBloctelMissing => "Aucun fichier Bloctel : les appels aux particuliers sont refusés (bloctel_outdated).", "No Bloctel file: calls to consumers are denied (bloctel_outdated).";
    WarnPhoneConsent => "À la date d'effet, le démarchage téléphonique des particuliers exige leur consentement préalable (loi 2025-594, art. L223-1 du Code de la consommation) : Bloctel ne suffit plus.", "On the as-of date, calling consumers needs their prior consent (loi 2025-594, art. L223-1 Code de la consommation): Bloctel is no longer enough.";
    WarnRemoved => "Colonnes supprimées par minimisation :", "Columns removed by minimisation:";
    WarnMalformed => "Lignes illisibles refusées (malformed_row) :", "Unreadable rows rejected (malformed_row):";
    Examples => "Exemples d'enregistrements refusés", "Examples of rejected records";
    ExamplesIntro => "Un exemple par motif principal, identités masquées. La liste complète est dans rejected.csv.", "One example per main reason, identities masked. The full list is in rejected.csv.";
    RecordId => "Identifiant", "Record id";
    Name => "Nom", "Name";
    Email => "E-mail", "Email";
    Phone => "Téléphone", "Phone";
    Reasons => "Motifs", "Reasons";
    GeneratedBy => "Produit par", "Produced by";
    Certificate => "Les empreintes SHA-256 des entrées et des fichiers produits sont dans certificate.json ; « qualify verify » les contrôle.", "The SHA-256 of the inputs and outputs are in certificate.json; \"qualify verify\" checks them.";
    // --- processing record and notice ---------------------------------------
    RecordTitle => "Fiche de registre des activités de traitement (RGPD art. 30)", "Record of processing activities entry (GDPR art. 30)";
    RecordIntro => "Fiche préparée par qualify à partir de cette exécution. À relire et compléter avant de la verser au registre.", "Entry drafted by qualify from this run. Review and complete it before adding it to the register.";
    RecordActivity => "Activité", "Activity";
    RecordActivityValue => "Prospection commerciale à partir d'une liste de prospects", "Commercial prospecting from a prospect list";
    RecordController => "Responsable du traitement", "Controller";
    RecordContact => "Contact pour l'exercice des droits", "Contact for data-subject rights";
    RecordPurpose => "Finalité", "Purpose";
    RecordPurposeValue => "Prospection commerciale (marketing direct) par les canaux autorisés pour chaque personne", "Commercial prospecting (direct marketing) on the channels allowed for each person";
    RecordLegalBasis => "Base légale", "Legal basis";
    RecordLegalBasisValue => "Consentement préalable pour les canaux qui l'exigent (e-mail et SMS aux particuliers, automates, fax, téléphone aux particuliers selon la date) ; intérêt légitime avec droit d'opposition pour les autres (courrier, démarchage B2B)", "Prior consent for the channels that need it (email and SMS to consumers, automated calls, fax, calls to consumers depending on the date); legitimate interest with a right to object for the others (post, B2B prospecting)";
    RecordSubjects => "Personnes concernées", "Data subjects";
    RecordSubjectsValue => "Prospects professionnels et particuliers contactables", "Contactable professional and consumer prospects";
    RecordCategories => "Catégories de données conservées dans qualified.csv", "Categories of data kept in qualified.csv";
    RecordSources => "Sources", "Sources";
    RecordRecipients => "Destinataires", "Recipients";
    RecordRetention => "Durée de conservation", "Retention";
    RecordRetentionValue => "ans à compter du dernier contact à l'initiative de la personne (à défaut, de la collecte) ; date limite par enregistrement : colonne contactable_until. Les enregistrements de to_delete.csv sont à supprimer.", "years from the person's last contact (else from the collection); per-record limit: column contactable_until. Records in to_delete.csv must be deleted.";
    RecordTransfers => "Transferts hors UE", "Transfers outside the EU";
    RecordTransfersValue => "aucun déclaré dans la configuration (à vérifier)", "none declared in the configuration (to check)";
    RecordSecurity => "Mesures de sécurité", "Security measures";
    SecMinimisation => "Minimisation : colonnes sensibles ou inutiles supprimées de tous les fichiers produits", "Minimisation: sensitive or unneeded columns removed from every output";
    SecHashed => "Listes d'opposition rapprochées aussi sous forme d'empreintes (SHA-256, MD5) ; le retour au fournisseur (vendor-feedback.csv) ne contient que des empreintes SHA-256", "Opposition lists matched in hashed form too (SHA-256, MD5); the feedback to the vendor (vendor-feedback.csv) holds only SHA-256 hashes";
    SecMasked => "Identités masquées dans rejected.csv et dans le rapport", "Identities masked in rejected.csv and in the report";
    SecIntegrity => "Empreintes SHA-256 de chaque entrée et fichier produit dans certificate.json", "SHA-256 of every input and output in certificate.json";
    SecSigned => "Certificat signé (ed25519)", "Certificate signed (ed25519)";
    SecFormulas => "Cellules CSV neutralisées contre l'exécution de formules par un tableur", "CSV cells neutralised against formula execution by spreadsheets";
    RecordDate => "Date", "Date";
    RecordRun => "Exécution documentée", "Run documented";
    RecordToComplete => "[à compléter]", "[to complete]";
    MethodForm => "formulaire", "form";
    MethodEvent => "événement", "event";
    MethodPurchased => "liste achetée", "purchased list";
    MethodRented => "liste louée", "rented list";
    MethodPartner => "partenaire", "partner";
    MethodPublicDirectory => "annuaire public", "public directory";
    MethodScraped => "collecte automatisée (scraping)", "scraped";
    MethodOwnCustomers => "propres clients", "own customers";
    CatIdentity => "identité (prénom, nom)", "identity (first and last name)";
    CatContact => "coordonnées", "contact details";
    CatProfessional => "vie professionnelle (société, SIREN/SIRET, fonction)", "professional (company, SIREN/SIRET, job title)";
    CatProvenance => "provenance (dates de collecte et de dernier contact, source)", "provenance (collection and last-contact dates, source)";
    CatConsent => "consentements et preuves", "consents and their proof";
    CatDecision => "décision de qualify (public, canaux autorisés, date limite)", "qualify's decision (audience, allowed channels, time limit)";
    CatKept => "colonnes conservées par la configuration", "columns kept by the configuration";
    NoticeTitle => "Information des personnes (RGPD art. 14) — éléments du premier message", "Information of data subjects (GDPR art. 14) — items for the first message";
    NoticeIntro => "Le RGPD impose d'informer les personnes dont les données n'ont pas été collectées auprès d'elles au plus tard lors du premier contact. Texte préparé par qualify à partir de cette exécution, à adapter.", "The GDPR requires informing people whose data was not collected from them at the latest at the first contact. Text drafted by qualify from this run, to adapt.";
    NoticeController => "Qui vous contacte", "Who is contacting you";
    NoticePurpose => "Pourquoi", "Why";
    NoticePurposeValue => "pour vous présenter nos offres (prospection commerciale).", "to present our offers (commercial prospecting).";
    NoticeSource => "D'où viennent vos données", "Where your data came from";
    NoticeSourceValue => "Vos coordonnées nous ont été fournies par", "Your contact details were provided to us by";
    NoticeCollected => "qui les a collectées via", "which collected them through";
    RecordSourceCollected => "collectée via", "collected through";
    UnknownShort => "inconnu", "unknown";
    NoticeBetween => "entre le", "between";
    NoticeAnd => "et le", "and";
    NoticeData => "Données utilisées", "Data used";
    NoticeRetention => "Combien de temps", "How long";
    NoticeRetentionValue => "ans au plus après votre dernier contact avec nous ou avec la source, puis suppression.", "years at most after your last contact with us or with the source, then deletion.";
    NoticeRights => "Vos droits", "Your rights";
    NoticeRightsValue => "Vous pouvez à tout moment et sans frais vous opposer à la prospection, retirer votre consentement, accéder à vos données, les faire rectifier ou effacer, ou en limiter l'usage, en écrivant à", "You may at any time and free of charge object to prospecting, withdraw your consent, access your data, have it corrected or erased, or restrict its use, by writing to";
    NoticeComplaint => "Vous pouvez aussi saisir la CNIL (www.cnil.fr).", "You may also lodge a complaint with the CNIL (www.cnil.fr).";
    NoticeRecipients => "Destinataires", "Recipients";
    Yes => "oui", "yes";
    No => "non", "no";
}

/// A channel's name for people.
pub fn channel(ch: Channel, lang: Lang) -> &'static str {
    match (ch, lang) {
        (Channel::Email, Lang::Fr) => "E-mail",
        (Channel::Email, Lang::En) => "Email",
        (Channel::Sms, _) => "SMS",
        (Channel::Phone, Lang::Fr) => "Téléphone (appel par une personne)",
        (Channel::Phone, Lang::En) => "Phone (a person calls)",
        (Channel::Autocall, Lang::Fr) => "Automate d'appel",
        (Channel::Autocall, Lang::En) => "Automated calls",
        (Channel::Fax, _) => "Fax",
        (Channel::Post, Lang::Fr) => "Courrier",
        (Channel::Post, Lang::En) => "Post",
    }
}

/// An audience's name for people (`b2b`, `b2c`, `unknown`).
pub fn audience(code: &str, lang: Lang) -> &str {
    match (code, lang) {
        ("b2b", Lang::Fr) => "Professionnels (B2B)",
        ("b2b", Lang::En) => "Professionals (B2B)",
        ("b2c", Lang::Fr) => "Particuliers (B2C)",
        ("b2c", Lang::En) => "Consumers (B2C)",
        ("unknown", Lang::Fr) => "Inconnu (traité comme particulier)",
        ("unknown", Lang::En) => "Unknown (treated as consumer)",
        (other, _) => other,
    }
}

/// A minimisation category (see `minimise.rs`) for people; an unknown
/// category is shown as its code rather than hidden.
pub fn category(code: &str, lang: Lang) -> &str {
    let fr = match code {
        "health" => "santé",
        "religion_or_beliefs" => "religion ou convictions",
        "political_opinions" => "opinions politiques",
        "union_membership" => "appartenance syndicale",
        "ethnic_origin" => "origine ethnique",
        "sex_life_or_orientation" => "vie ou orientation sexuelle",
        "genetic_or_biometric" => "données génétiques ou biométriques",
        "criminal_convictions" => "condamnations pénales",
        "nir" => "NIR (numéro de sécurité sociale)",
        "id_document" => "numéro de pièce d'identité",
        "bank_details" => "coordonnées bancaires",
        "birth_date" => "date de naissance",
        "family_status" => "situation familiale",
        other => other,
    };
    match lang {
        Lang::Fr => fr,
        Lang::En => code,
    }
}

/// Why minimisation removed a column (`Removed::reason` of `minimise.rs`,
/// written in English there) in the report's language. The three forms
/// minimise.rs writes are recognised; anything else is shown as it is.
pub fn removal_reason(reason: &str, category_code: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return reason.to_owned();
    }
    if let Some(rest) = reason.strip_prefix("header names ") {
        let basis = rest
            .rsplit_once(" (")
            .map(|(_, b)| b.trim_end_matches(')'))
            .unwrap_or("");
        let basis = basis.replace("GDPR", "RGPD");
        return format!(
            "l'en-tête désigne des données de la catégorie « {} » ({basis})",
            category(category_code, lang)
        );
    }
    if let Some(rest) = reason.strip_prefix("row ") {
        if let Some((row, what)) = rest.split_once(" holds ") {
            let what = match what {
                "a NIR with a valid key" => "un NIR dont la clé est valide",
                "an IBAN with a valid checksum" => "un IBAN dont la clé de contrôle est valide",
                _ => return reason.to_owned(),
            };
            return format!("la ligne {row} contient {what}");
        }
    }
    reason.to_owned()
}

/// The collection method of a manifest (`purchased`, ...) for people.
pub fn method(code: &str, lang: Lang) -> &str {
    let l = match code {
        "form" => L::MethodForm,
        "event" => L::MethodEvent,
        "purchased" => L::MethodPurchased,
        "rented" => L::MethodRented,
        "partner" => L::MethodPartner,
        "public_directory" => L::MethodPublicDirectory,
        "scraped" => L::MethodScraped,
        "own_customers" => L::MethodOwnCustomers,
        other => return other,
    };
    l.get(lang)
}

/// Plain-language meaning of a reason code.
pub fn reason(r: Reason, lang: Lang) -> &'static str {
    if lang == Lang::En {
        return r.meaning();
    }
    match r {
        Reason::NoProvenance => "la liste n'a pas de manifeste valide : personne ne peut dire qui a collecté les données, comment, ni avec quel consentement",
        Reason::Duplicate => "la même personne figure plus haut ou de façon plus complète dans la liste (voir matched_record_id)",
        Reason::ExistingClient => "la personne est déjà cliente (voir matched_client_id) : une liste achetée n'est pas le moyen de la joindre",
        Reason::Stale => "plus de la durée de conservation (3 ans) depuis le dernier contact de la personne ou la collecte : à supprimer",
        Reason::UnknownCollectionDate => "aucune date de collecte ni de dernier contact : la fraîcheur ne peut pas être démontrée",
        Reason::DateInFuture => "une date de collecte ou de dernier contact postérieure à la date d'effet : une date qui n'est pas encore arrivée ne prouve rien",
        Reason::MalformedRow => "la ligne n'a pas pu être lue (nombre de champs incorrect, octet NUL, cellule de plus de 1 Mo ou illisible)",
        Reason::ScrapedSource => "les données ont été aspirées (scraping) : personne n'a été informé lors de la collecte",
        Reason::CompanyClosed => "l'entreprise a cessé son activité",
        Reason::SourceUnavailable => "une source facultative (fichier clients, liste d'opposition, vérification des entreprises) n'a pas pu être lue : la décision échoue fermée",
        Reason::NoContactData => "aucune coordonnée utilisable sur ce canal",
        Reason::NoConsent => "aucun consentement préalable (opt-in) enregistré pour ce canal, ou la personne a dit non",
        Reason::ConsentWithoutProof => "un consentement est enregistré mais sans sa date ou sans sa preuve",
        Reason::ConsentInvalidDate => "le consentement est daté après la date d'effet ou avant la collecte",
        Reason::ConsentNotForPartners => "le consentement ne couvre pas la transmission à l'acheteur (acheteur non nommé, « partenaires » génériques, ou transmission refusée)",
        Reason::Opposed => "la personne s'est opposée (liste d'opposition ou fichier clients)",
        Reason::Bloctel => "le numéro du particulier est inscrit sur Bloctel",
        Reason::BloctelOutdated => "pas de fichier Bloctel, ou un fichier trop ancien (30 jours) : les appels aux particuliers ne peuvent pas être autorisés",
        Reason::BannedSector => "secteur de la campagne interdit sur ce canal auprès des particuliers (rénovation énergétique, adaptation du logement)",
        Reason::EmailInvalid => "l'adresse e-mail n'est pas valide",
        Reason::EmailDisposable => "l'adresse e-mail est sur un domaine jetable",
        Reason::PhoneInvalid => "le numéro de téléphone n'est pas valide",
        Reason::PhonePremium => "le numéro est surtaxé ou spécial",
        Reason::AddressIncomplete => "l'adresse postale est incomplète (rue, code postal et ville nécessaires)",
        Reason::NotB2bRelevant => "en B2B sans consentement, le message doit concerner la fonction de la personne ; sa fonction ne correspond à aucune de celles de la campagne",
        Reason::CompanyUnknown => "le SIREN/SIRET est introuvable dans le répertoire des entreprises : l'indice B2B a été écarté",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CHANNELS, REASONS};

    #[test]
    fn every_label_has_both_languages() {
        for l in ALL_LABELS {
            for lang in [Lang::Fr, Lang::En] {
                assert!(!l.get(lang).trim().is_empty(), "{l:?} empty in {lang:?}");
            }
        }
        for r in REASONS {
            assert!(!reason(*r, Lang::Fr).is_empty());
            assert_ne!(
                reason(*r, Lang::Fr),
                reason(*r, Lang::En),
                "{r} untranslated"
            );
        }
        for ch in CHANNELS {
            assert!(!channel(ch, Lang::Fr).is_empty());
        }
    }

    #[test]
    fn every_minimisation_category_is_translated() {
        // The categories minimise.rs can report, read from its source so a
        // new category cannot slip into the report in English.
        let src = include_str!("../minimise.rs");
        let mut found = 0;
        for line in src.lines() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix('"') {
                let code = rest.trim_end_matches("\",");
                if code.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    && src.contains(&format!("(\n        \"{code}\",\n        \"GDPR"))
                {
                    found += 1;
                    assert_ne!(category(code, Lang::Fr), code, "{code} not translated");
                }
            }
        }
        assert!(found >= 10, "found {found} categories in minimise.rs");
    }

    #[test]
    fn removal_reasons_are_translated_in_every_form_minimise_writes() {
        // The forms below are the ones minimise.rs formats; if it changes
        // them, this test points here.
        let src = include_str!("../minimise.rs");
        for form in [
            "\"header names {} data ({basis})\"",
            "\"row {} holds a NIR with a valid key\"",
            "\"row {} holds an IBAN with a valid checksum\"",
        ] {
            assert!(src.contains(form), "minimise.rs no longer writes {form}");
        }
        assert_eq!(
            removal_reason("header names health data (GDPR art. 9)", "health", Lang::Fr),
            "l'en-tête désigne des données de la catégorie « santé » (RGPD art. 9)"
        );
        assert_eq!(
            removal_reason("row 3 holds a NIR with a valid key", "nir", Lang::Fr),
            "la ligne 3 contient un NIR dont la clé est valide"
        );
        assert_eq!(
            removal_reason(
                "row 12 holds an IBAN with a valid checksum",
                "bank_details",
                Lang::Fr
            ),
            "la ligne 12 contient un IBAN dont la clé de contrôle est valide"
        );
        assert_eq!(
            removal_reason("something new", "x", Lang::Fr),
            "something new"
        );
        assert_eq!(
            removal_reason("row 3 holds a NIR with a valid key", "nir", Lang::En),
            "row 3 holds a NIR with a valid key"
        );
    }

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(Lang::Fr.int(1427), "1\u{202f}427");
        assert_eq!(Lang::En.int(1234567), "1,234,567");
        assert_eq!(Lang::En.int(12), "12");
        assert_eq!(Lang::Fr.percent(1, 3), "33,3\u{a0}%");
        assert_eq!(Lang::En.percent(0, 0), "0.0%");
    }
}
