"""The vocabulary of the demo organisation: names, departments, communities and what people write.

Plain Python literals, in French and English like the company they describe (Agora, a software
company with offices in France, Dublin, London and Montréal). The generator
(``agora.localinfra.demo.generator``) combines them with a fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass

EMAIL_DOMAIN = "demo.agora.example"
TICKETS_URL = "https://tickets.agora.example/browse/"

# --- people --------------------------------------------------------------------------------------

FRENCH_FIRST_NAMES = (
    "Élodie", "Zoë", "François", "Chloé", "Léa", "Inès", "Amélie", "Hélène", "Jérôme", "Benoît",
    "Célia", "Noémie", "Gaëlle", "Loïc", "Anaïs", "Maëlle", "Raphaël", "Joël", "Clément", "Théo",
    "Aurélien", "Sébastien", "Frédéric", "Stéphane", "Valérie", "Mélanie", "Cécile", "Hervé",
    "Agnès", "Béatrice", "Océane", "Timothée", "Régis", "Françoise", "Jérémie", "Lucie",
    "Camille", "Julien", "Manon", "Nicolas", "Sophie", "Antoine", "Pauline", "Thomas", "Claire",
    "Mathilde", "Guillaume", "Émilie", "Adèle", "Gérald", "Solène", "Maxime", "Éric", "Aïcha",
    "Karim", "Yasmine", "Mehdi", "Nadia", "Sofiane", "Léonie", "Baptiste", "Margaux", "Ophélie",
)  # fmt: skip
FRENCH_LAST_NAMES = (
    "Lefèvre", "Dupré", "Bérard", "Gauthier", "Lemaître", "Périer", "Fournier", "Mercier",
    "Girard", "Rousseau", "Boucher", "Chevalier", "Faure", "Moreau", "Laurent", "Lambert",
    "Bonnet", "Garnier", "Roussel", "Lévêque", "Bénard", "Château", "Ménard", "Hébert",
    "Josserand", "Benali", "Haddad", "Nguyen", "Leclerc", "Aubért", "Thévenin", "Besançon",
    "Guérin", "Rivière", "Bouvier", "Mallet", "Fontaine", "Dubois-Léger", "Martin-Réau", "Noël",
    "Caron", "Lacroix", "Perrot", "Vidal", "Barbier", "Brunet", "Colin", "Lemoine", "Bréhaut",
)  # fmt: skip
ENGLISH_FIRST_NAMES = (
    "Oliver", "Siobhan", "Liam", "Emma", "James", "Charlotte", "Harry", "Grace", "Jack",
    "Amelia", "Noah", "Olivia", "George", "Isla", "Seán", "Niamh", "Róisín", "Aoife", "Eoin",
    "Ciarán", "Priya", "Rajesh", "Wei", "Mei", "Hannah", "Daniel", "Sarah", "Michael", "Emily",
    "Ryan", "Fiona", "Declan", "Orla", "Padraig", "Maeve", "Connor", "Zoe", "Ethan", "Lily",
)  # fmt: skip
ENGLISH_LAST_NAMES = (
    "O'Brien", "O'Connor", "O'Sullivan", "Smith", "Taylor", "Brown", "Williams", "Murphy",
    "Kelly", "Walsh", "McCarthy", "Hughes", "Clarke", "Patel", "Chen", "Byrne", "Ryan", "Doyle",
    "Fitzgerald", "MacNeill", "Gallagher", "Evans", "Wright", "Robinson", "Thompson", "Ó Dálaigh",
)  # fmt: skip

LOCATIONS_FR = (("Paris", 40), ("Lyon", 22), ("Nantes", 12), ("Bordeaux", 9), ("Lille", 8))
LOCATIONS_EN = (("Dublin", 45), ("Londres", 20), ("Montréal", 20), ("Paris", 15))
REMOTE = "Télétravail"

INTERESTS = (
    "photographie", "course à pied", "vélo", "cuisine", "jeux de société", "musique",
    "randonnée", "lecture", "cinéma", "escalade", "jardinage", "yoga", "échecs", "voyages",
    "théâtre", "football", "rugby", "podcasts", "open source", "bénévolat", "board games",
    "sailing", "tennis", "baking", "jazz", "science-fiction",
)  # fmt: skip

BIOS_FR = (
    "Chez Agora depuis {year}. J'aime les problèmes difficiles et les équipes bienveillantes.",
    "Basé·e à {city}. Toujours partant·e pour un café et une discussion sur {skill}.",
    "Avant Agora : {previous}. Ici, je m'occupe surtout de {skill}.",
    "Parent, cycliste du dimanche et fan de {skill}. Posez-moi vos questions !",
)
BIOS_EN = (
    "At Agora since {year}. Happy to help with anything {skill}.",
    "Based in {city}. Previously at {previous}. Ask me about {skill}.",
    "I care about clear docs, kind reviews and {skill}.",
)
PREVIOUS_EMPLOYERS = ("Capgemini", "OVHcloud", "Criteo", "Atos", "Stripe", "Accenture", "Thales")


@dataclass(frozen=True)
class Department:
    """One department: its name, size, titles by level, and what its people know."""

    key: str
    name: str
    size: int
    head_title: str
    manager_title: str
    titles: tuple[str, ...]
    skills: tuple[str, ...]
    help_topics: tuple[str, ...]
    theme: str
    """The content theme its people write about on their profiles."""


DEPARTMENTS = (
    Department(
        "direction", "Direction générale", 6, "Directrice générale", "Chief of Staff",
        ("Chargée de mission", "Office Manager", "Executive Assistant"),
        ("stratégie", "prise de parole en public", "négociation"),
        ("prise de parole en public", "organisation d'événements"), "company",
    ),
    Department(
        "platform", "Plateforme & SRE", 34, "Directeur Plateforme", "Responsable SRE",
        ("Ingénieur SRE", "Site Reliability Engineer", "Ingénieure DevOps", "Cloud Engineer",
         "Ingénieur systèmes"),
        ("kubernetes", "terraform", "linux", "observabilité", "kafka", "postgresql", "go",
         "python", "gestion d'incidents"),
        ("kubernetes", "astreinte", "observabilité", "terraform", "gestion d'incidents"),
        "platform",
    ),
    Department(
        "product", "Ingénierie produit", 74, "VP Engineering", "Engineering Manager",
        ("Développeuse backend", "Backend Engineer", "Développeur frontend", "Frontend Engineer",
         "Ingénieure logiciel", "Software Engineer", "Tech Lead", "QA Engineer",
         "Développeur mobile"),
        ("java", "kotlin", "typescript", "react", "python", "api design", "tests automatisés",
         "postgresql", "swift", "architecture logicielle"),
        ("revues de code", "react", "api design", "tests automatisés", "onboarding technique"),
        "product",
    ),
    Department(
        "data", "Data & IA", 26, "Head of Data", "Lead Data Scientist",
        ("Data Scientist", "Data Engineer", "Ingénieure machine learning", "Analytics Engineer",
         "Data Analyst"),
        ("python", "machine learning", "sql", "spark", "statistiques", "dataviz", "dbt"),
        ("sql", "machine learning", "dataviz", "statistiques"),
        "data",
    ),
    Department(
        "security", "Sécurité", 12, "RSSI", "Security Lead",
        ("Ingénieur sécurité", "Security Engineer", "Analyste SOC", "Pentester"),
        ("sécurité applicative", "pentest", "iso 27001", "rgpd", "cryptographie", "kubernetes"),
        ("rgpd", "sécurité applicative", "phishing", "gestion des secrets"),
        "security",
    ),
    Department(
        "design", "Design", 14, "Head of Design", "Lead Designer",
        ("Product Designer", "UX Researcher", "UI Designer", "Designer UX"),
        ("figma", "ux research", "accessibilité", "design system", "prototypage"),
        ("accessibilité", "figma", "tests utilisateurs"),
        "product",
    ),
    Department(
        "people", "Ressources humaines", 14, "Head of People", "HR Business Partner",
        ("Chargée de recrutement", "Talent Acquisition Partner", "Responsable paie",
         "Chargé de formation"),
        ("recrutement", "gestion des talents", "droit du travail", "onboarding", "formation"),
        ("onboarding", "entretiens annuels", "mobilité interne", "formation"),
        "people",
    ),
    Department(
        "finance", "Finance", 16, "Directeur financier", "Contrôleuse de gestion senior",
        ("Contrôleur de gestion", "Comptable", "Financial Analyst", "Acheteuse"),
        ("contrôle de gestion", "excel", "sap", "comptabilité", "achats"),
        ("notes de frais", "excel", "budget", "achats"),
        "company",
    ),
    Department(
        "sales", "Ventes", 40, "Directrice commerciale", "Sales Manager",
        ("Account Executive", "Ingénieur avant-vente", "Business Developer",
         "Customer Success Manager", "Responsable grands comptes"),
        ("négociation", "salesforce", "grands comptes", "avant-vente", "anglais"),
        ("salesforce", "démos clients", "appels d'offres"),
        "sales",
    ),
    Department(
        "marketing", "Marketing", 20, "Head of Marketing", "Responsable marketing produit",
        ("Chargée de communication", "Content Marketing Manager", "Growth Marketer",
         "Chef de produit marketing", "Community Manager"),
        ("seo", "rédaction", "événementiel", "réseaux sociaux", "marketing produit"),
        ("rédaction", "réseaux sociaux", "organisation d'événements"),
        "sales",
    ),
    Department(
        "support", "Support client", 36, "Directeur du support", "Responsable support N2",
        ("Conseillère support", "Support Engineer", "Ingénieur support N2",
         "Technical Account Manager"),
        ("zendesk", "relation client", "anglais", "sql", "diagnostic"),
        ("zendesk", "relation client", "escalades"),
        "support",
    ),
    Department(
        "legal", "Juridique", 8, "Directrice juridique", "Juriste senior",
        ("Juriste", "Legal Counsel", "Paralegal", "DPO"),
        ("droit des contrats", "rgpd", "propriété intellectuelle", "conformité"),
        ("rgpd", "contrats clients", "propriété intellectuelle"),
        "company",
    ),
)  # fmt: skip

# Named people the README and the token hints refer to: (handle, name, department, title,
# location, level). Level 0 is the CEO, 1 department heads, 2 managers, 3 everyone else.
NAMED_PEOPLE = (
    ("helene.chateau", "Hélène Château", "direction", "Directrice générale", "Paris", 0),
    ("francois.dupre", "François Dupré", "platform", "Directeur Plateforme", "Lyon", 1),
    ("elodie.lefevre", "Élodie Lefèvre", "platform", "Responsable SRE", "Lyon", 2),
    ("zoe.bernard", "Zoë Bernard", "data", "Data Scientist", "Paris", 3),
    ("siobhan.obrien", "Siobhan O'Brien", "people", "Head of People", "Dublin", 1),
    ("karim.benali", "Karim Benali", "security", "Security Lead", "Paris", 2),
    ("sean.oconnor", "Seán O'Connor", "support", "Support Engineer", "Dublin", 3),
    ("noemie.leveque", "Noémie Lévêque", "product", "Tech Lead", "Nantes", 3),
)
PERSONA = "elodie.lefevre"
"""The demo person the README's example calls use."""
CEO = "helene.chateau"

# --- communities ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunitySpec:
    """A community of the demo: who tends to join it and what is written there."""

    key: str
    name: str
    description: str
    tags: tuple[str, ...]
    kind: str
    visibility: str
    owner: str | None
    """A named person, or ``None``: the most senior member of its first department."""
    departments: tuple[str, ...]
    """Departments whose people join it (empty: anyone)."""
    size: int
    theme: str
    activity: float
    """Posts per member over the 90 days, roughly."""
    end_in_days: int | None = None
    finished: bool = False
    """A project over: archived by its owner once its content is in."""
    charter: str | None = None
    pending: int = 0
    """People left waiting for approval (closed communities)."""
    tickets: str | None = None
    """The prefix of the work items discussed there (``OPS``...), if any."""


COMMUNITIES = (
    CommunitySpec(
        "kubernetes", "Communauté Kubernetes",
        "Entraide et retours d'expérience sur Kubernetes en production : clusters, "
        "déploiements, observabilité. Questions bienvenues, même les plus simples !",
        ("kubernetes", "devops", "cloud-native"), "practice", "open", "elodie.lefevre",
        ("platform", "product", "security", "data"), 70, "platform", 0.9,
        charter="Soyez bienveillants. Pas de secrets ni de données clients dans les posts. "
        "On échange en français ou en anglais.",
    ),
    CommunitySpec(
        "ops", "Ops & SRE", "Incidents, astreintes et tickets d'exploitation (OPS-…).",
        ("sre", "ops", "incidents"), "practice", "open", "francois.dupre",
        ("platform", "product", "support"), 60, "platform", 0.8, tickets="OPS",
    ),
    CommunitySpec(
        "data", "Data & IA", "Machine learning, SQL, dataviz : partages et questions.",
        ("data", "machine-learning", "sql"), "interest", "open", "zoe.bernard",
        ("data", "product", "marketing", "finance"), 55, "data", 0.8,
    ),
    CommunitySpec(
        "python", "Guilde Python", "The Python guild: packaging, typing, async, code reviews.",
        ("python", "guild"), "practice", "open", "noemie.leveque",
        ("product", "data", "platform"), 45, "product", 0.7,
    ),
    CommunitySpec(
        "design", "Design System Agora",
        "Composants, accessibilité et tokens du design system. Figma links inside.",
        ("design-system", "accessibilite", "figma"), "practice", "open", None,
        ("design", "product"), 35, "product", 0.6,
    ),
    CommunitySpec(
        "security", "Security Champions",
        "Les référents sécurité de chaque équipe. Sur demande : on parle de vulnérabilités "
        "non corrigées ici.",
        ("securite", "appsec"), "practice", "closed", "karim.benali",
        ("security", "platform", "product"), 28, "security", 0.8, pending=6,
    ),
    CommunitySpec(
        "support", "Support N2", "Escalades clients et tickets de support (SUP-…).",
        ("support", "escalades"), "practice", "closed", None,
        ("support", "product", "platform"), 40, "support", 0.8, pending=4, tickets="SUP",
    ),
    CommunitySpec(
        "phoenix", "Projet Phoenix : migration ERP",
        "Migration de l'ERP vers SAP S/4HANA : planning, recette, bascule.",
        ("phoenix", "erp", "sap"), "project", "closed", None,
        ("finance", "platform", "product"), 24, "phoenix", 1.0, end_in_days=160, pending=3,
        tickets="PHX",
    ),
    CommunitySpec(
        "mobile", "Lancement Agora Mobile",
        "Everything about the mobile app launch: beta, store listings, launch day.",
        ("mobile", "launch"), "project", "open", None,
        ("product", "design", "marketing"), 40, "mobile", 0.8, end_in_days=75,
    ),
    CommunitySpec(
        "vivatech", "Salon VivaTech 2026",
        "Préparation de notre stand à VivaTech : démos, planning, goodies. Projet terminé, "
        "merci à toutes et à tous !",
        ("evenement", "vivatech"), "project", "open", None,
        ("marketing", "sales", "product"), 30, "event", 1.0, end_in_days=1, finished=True,
    ),
    CommunitySpec(
        "helios", "Projet Hélios (confidentiel)",
        "Due diligence de l'acquisition Hélios. Strictement confidentiel : ne rien partager "
        "hors de ce groupe.",
        ("helios", "m-and-a"), "project", "secret", "helene.chateau",
        ("direction", "finance", "legal"), 12, "helios", 1.5, end_in_days=120,
    ),
    CommunitySpec(
        "people-partners", "People Partners",
        "Espace privé des HRBP : cas individuels, campagnes d'entretiens, mobilité.",
        ("rh",), "practice", "secret", "siobhan.obrien",
        ("people",), 10, "people", 1.5,
    ),
    CommunitySpec(
        "archi", "Comité d'architecture",
        "Décisions d'architecture (ADR) avant publication. Membres sur invitation.",
        ("architecture", "adr"), "practice", "secret", "francois.dupre",
        ("platform", "product", "security", "data"), 14, "platform", 1.2,
    ),
    CommunitySpec(
        "running", "Running Club",
        "Sorties du midi, semi-marathons et défis Strava. Tous niveaux !",
        ("running", "sport"), "interest", "open", None,
        (), 45, "running", 0.4,
    ),
    CommunitySpec(
        "photo", "Photographie", "Partagez vos photos, vos astuces et vos sorties photo.",
        ("photo",), "interest", "open", None,
        (), 30, "photo", 0.5,
    ),
    CommunitySpec(
        "english", "English Corner",
        "Practise your English with colleagues from Dublin, London and Montréal.",
        ("english", "langues"), "interest", "open", "siobhan.obrien",
        (), 40, "english", 0.5,
    ),
    CommunitySpec(
        "velotaf", "Vélotaf", "Aller au bureau à vélo : itinéraires, matériel, parkings.",
        ("velo", "mobilite"), "interest", "closed", None,
        (), 22, "velo", 0.5, pending=3,
    ),
)  # fmt: skip

# --- what people write ---------------------------------------------------------------------------
# Placeholders: {service} {team} {n} {pct} {version} {day} {city} {person} (a mention, written
# "@Name", with the person's id in the post's mentions) {ticket}.

SERVICES_FR = (
    "l'API de paiement", "le service de notifications", "la recherche", "le portail client",
    "l'API publique", "le pipeline de facturation", "la messagerie", "le SSO", "l'export PDF",
)  # fmt: skip
SERVICES_EN = (
    "the billing API", "the search cluster", "the mobile backend", "the reporting service",
    "the customer portal", "the public API", "the SSO gateway",
)  # fmt: skip
DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
CITIES = ("Paris", "Lyon", "Nantes", "Bordeaux", "Lille", "Dublin", "Montréal", "Londres")


@dataclass(frozen=True)
class Question:
    """A question, its tags, and answers colleagues give (the first one is the best)."""

    text: str
    tags: tuple[str, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class PollSpec:
    """A poll's question and options."""

    text: str
    options: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """What is written in one kind of place: posts (with tags), questions and polls."""

    posts: tuple[tuple[str, tuple[str, ...]], ...]
    questions: tuple[Question, ...]
    polls: tuple[PollSpec, ...]


THEMES: dict[str, Theme] = {
    "platform": Theme(
        posts=(
            ("Retour d'expérience : la migration du cluster de production vers Kubernetes "
             "1.{n} s'est bien passée. {pct} services redéployés sans interruption. Merci à "
             "toute l'équipe !", ("kubernetes", "migration")),
            ("Rappel : fenêtre de maintenance {day} soir sur {service}. Prévoyez vos "
             "déploiements en conséquence.", ("maintenance",)),
            ("Nouveau tableau de bord Grafana pour {service} : latence p99, taux d'erreurs et "
             "saturation en un coup d'œil. https://grafana.agora.example/d/{n}",
             ("observabilite", "grafana")),
            ("Le post-mortem de l'incident de {day} sur {service} est publié : "
             "https://wiki.agora.example/postmortems/{n}. Trois actions, toutes déjà planifiées.",
             ("incidents", "postmortem")),
            ("We moved {service} to the new ingress controller this week: p99 latency down "
             "{pct}%.", ("kubernetes", "performance")),
            ("Reminder: on-call handover is on {day}. Please update the runbook if you changed "
             "anything in {service}.", ("astreinte", "on-call")),
            ("Terraform modules are now versioned: pin `v1.{n}.0` in your stacks and read the "
             "changelog before upgrading.", ("terraform",)),
            ("Les coûts cloud du mois sont en baisse de {pct} % grâce à l'autoscaling des "
             "nœuds. Détails dans le rapport FinOps.", ("finops", "cloud")),
            ("Game day chaos engineering {day} : on coupe une zone de disponibilité à 14 h. "
             "Volontaires bienvenus, {person} anime la session.", ("chaos-engineering",)),
            ("Kafka upgrade to 3.9 done on all brokers, no consumer lag during the rolling "
             "restart. Thanks {person} for the runbook!", ("kafka",)),
        ),
        questions=(
            Question("Comment faire une rotation des certificats de l'ingress sans coupure ?",
                     ("kubernetes", "tls"),
                     ("On utilise cert-manager avec un déploiement progressif : aucune coupure "
                      "chez nous depuis un an.",
                      "Attention au TTL DNS si vous changez aussi d'IP, sinon ça passe très bien.",
                      "Il y a un runbook sur le wiki, section ingress.")),
            Question("What's the recommended way to size memory limits for JVM pods?",
                     ("kubernetes", "java"),
                     ("Set -XX:MaxRAMPercentage=75 and a limit equal to the request; watch the "
                      "container_memory_working_set metric for a week.",
                      "We use the VPA in recommendation mode to get a first figure.")),
            Question("Quelqu'un a déjà configuré Kafka avec mTLS pour {service} ?",
                     ("kafka", "securite"),
                     ("Oui, les certificats clients viennent de Vault, je te montre demain.",
                      "Regarde le module terraform kafka-acl, tout y est.")),
            Question("How do I get read access to the production logs of {service}?",
                     ("observabilite",),
                     ("Ask for the logs-reader group in the access portal, approval is "
                      "automatic for on-call engineers.",
                      "Kibana is behind the SSO now, no VPN needed.")),
            Question("Quelle est la bonne pratique pour les readiness probes d'un service qui "
                     "dépend de PostgreSQL ?", ("kubernetes", "postgresql"),
                     ("Ne vérifie pas la base dans la readiness, sinon une panne de la base "
                      "retire tous les pods d'un coup.",
                      "Une readiness légère et une alerte séparée sur la base, c'est notre "
                      "règle.")),
            Question("Is there a way to run terraform plan on a pull request without prod "
                     "credentials?", ("terraform",),
                     ("Yes: the CI uses a read-only role for plan, apply runs only on main.",)),
        ),
        polls=(
            PollSpec("Quel jour pour la prochaine game day chaos engineering ?",
                     ("Mardi", "Mercredi", "Jeudi"), ("chaos-engineering",)),
            PollSpec("Which incident tool should we standardise on next quarter?",
                     ("PagerDuty", "Opsgenie", "Keep what we have")),
        ),
    ),
    "data": Theme(
        posts=(
            ("Le nouveau modèle de prévision du churn est en production : +{pct} % de rappel "
             "sur les comptes à risque.", ("machine-learning", "churn")),
            ("Petit rappel : les tables brutes de l'entrepôt seront supprimées {day}. Utilisez "
             "les modèles dbt du schéma `analytics`.", ("dbt", "sql")),
            ("Weekly data digest: {n} new dashboards, the revenue model now refreshes hourly.",
             ("dataviz",)),
            ("Atelier « SQL pour tous » {day} à 12 h 30, salle Lovelace et en visio. Niveau "
             "débutant, apportez vos questions !", ("sql", "formation")),
            ("We open-sourced our feature store connector: https://github.com/agora-example/"
             "fs-connector. Feedback welcome!", ("open-source", "python")),
            ("Retour sur la conférence PyData {city} : trois talks à voir sur l'évaluation des "
             "LLM. Merci {person} pour les notes partagées.", ("conference", "llm")),
            ("Data quality alert fixed: the orders table had {n} duplicated rows since the last "
             "migration.", ("data-quality",)),
        ),
        questions=(
            Question("Quelle librairie utilisez-vous pour la dataviz dans les notebooks ?",
                     ("dataviz", "python"),
                     ("Plotly pour l'interactif, matplotlib pour les rapports PDF.",
                      "Altair, la grammaire est très agréable.")),
            Question("How do you version machine learning datasets here?",
                     ("machine-learning",),
                     ("DVC on top of the object store; the README of ml-platform explains it.",
                      "We snapshot the feature tables with the model version.")),
            Question("Comment obtenir un accès en lecture à l'entrepôt de données ?",
                     ("sql",),
                     ("Demande le rôle analytics-reader dans le portail, validation par ton "
                      "manager.",)),
            Question("Spark or DuckDB for a 50 GB monthly batch?", ("spark", "sql"),
                     ("DuckDB on a single big machine, honestly. Spark is overkill at 50 GB.",
                      "Depends on the joins, but start with DuckDB.")),
        ),
        polls=(
            PollSpec("Prochain atelier data : quel sujet ?",
                     ("Window functions SQL", "Tests de modèles ML", "Dataviz accessible")),
        ),
    ),
    "product": Theme(
        posts=(
            ("La nouvelle page de facturation est en production pour {pct} % des clients. "
             "Merci aux équipes produit et design !", ("release", "facturation")),
            ("Release 4.{n} is out: dark mode, faster search, {n} bugs fixed.", ("release",)),
            ("Nous passons les tests end-to-end sur Playwright : les suites tournent en {n} "
             "minutes au lieu de 40.", ("tests-automatises", "qualite")),
            ("ADR-0{n} accepted: new services expose OpenAPI first, code generated from the "
             "contract.", ("api-design", "architecture")),
            ("Démo produit {day} à 16 h : le nouvel éditeur, la recherche et l'export PDF. "
             "Lien dans l'agenda.", ("demo",)),
            ("Accessibility audit results: {n} issues left on the customer portal, all "
             "tracked. Thanks {person}!", ("accessibilite",)),
            ("Les composants Button et Modal du design system passent en v{n} : focus visible "
             "et contrastes AA partout.", ("design-system", "accessibilite")),
            ("Code review tip of the week: review the tests first, then the code.",
             ("revues-de-code",)),
        ),
        questions=(
            Question("Comment gérer la pagination par curseur dans notre API publique ?",
                     ("api-design",),
                     ("Regarde l'ADR-012 : curseur opaque, tri stable, pas d'offset.",
                      "Le SDK TypeScript a déjà un helper pour ça.")),
            Question("React Query or plain fetch hooks for the new dashboard?",
                     ("react", "typescript"),
                     ("React Query: caching and retries for free, we use it everywhere.",
                      "React Query, and keep the API client generated from OpenAPI.")),
            Question("Quelqu'un a un exemple de test de contrat entre deux services ?",
                     ("tests-automatises",),
                     ("Oui, le service de facturation utilise Pact, je t'envoie le lien.",
                      "On compare aussi le schéma OpenAPI dans la CI.")),
            Question("How do we make a modal accessible for screen readers?",
                     ("accessibilite", "react"),
                     ("Use the design system Modal: focus trap, aria-modal and Escape are "
                      "handled.",)),
            Question("Kotlin coroutines : comment propager le contexte de trace ?",
                     ("kotlin", "observabilite"),
                     ("Avec l'extension OpenTelemetry pour les coroutines, asContextElement().",)),
        ),
        polls=(
            PollSpec("Which day for the next bug bash?", ("Tuesday", "Wednesday", "Thursday")),
            PollSpec("Format préféré pour les démos produit ?",
                     ("En direct", "Vidéo enregistrée", "Les deux")),
        ),
    ),
    "security": Theme(
        posts=(
            ("Campagne de phishing simulé terminée : {pct} % de signalements, bravo ! Les "
             "résultats par équipe sont sur l'intranet.", ("phishing", "securite")),
            ("Critical CVE in a logging library: all services patched within {n} hours. "
             "Thanks to the champions!", ("vulnerabilites",)),
            ("Rappel : les secrets ne vont jamais dans Git. Utilisez Vault, le guide est à "
             "jour.", ("gestion-des-secrets",)),
            ("Pentest report for {service} received: {n} findings, none critical.",
             ("pentest",)),
            ("Audit ISO 27001 de surveillance {day} prochain : merci de vérifier vos revues "
             "d'accès.", ("iso-27001",)),
        ),
        questions=(
            Question("Comment déclarer une faille trouvée dans une dépendance ?",
                     ("securite", "vulnerabilites"),
                     ("Ticket SEC dans l'outil de tickets, puis message ici si c'est critique.",)),
            Question("Are we allowed to use SaaS tools that store customer data in the US?",
                     ("rgpd",),
                     ("Only with a DPA and standard contractual clauses; ask legal first.",
                      "Check the approved vendors list on the intranet.")),
        ),
        polls=(
            PollSpec("Prochain thème des Security Champions ?",
                     ("Threat modeling", "Supply chain", "Gestion des secrets")),
        ),
    ),
    "support": Theme(
        posts=(
            ("Cette semaine : {n} tickets résolus, satisfaction à {pct} %. Merci à toute "
             "l'équipe support !", ("support", "kpi")),
            ("New macro in Zendesk for invoice questions, it saves about two minutes per "
             "ticket.", ("zendesk",)),
            ("Rappel : escalade en N2 seulement avec les logs et l'ID client.", ("escalades",)),
        ),
        questions=(
            Question("Comment rembourser partiellement une facture déjà exportée ?",
                     ("facturation", "support"),
                     ("Avoir partiel depuis le back-office, puis renvoi de l'export.",)),
            Question("Customer asks for their data export under GDPR: who handles it?",
                     ("rgpd", "support"),
                     ("Legal (DPO) handles it, open a ticket with the DPO tag.",)),
        ),
        polls=(),
    ),
    "people": Theme(
        posts=(
            ("La campagne d'entretiens annuels ouvre {day}. Les guides managers sont à jour.",
             ("entretiens-annuels",)),
            ("Welcome to the {n} people who joined this month! Onboarding sessions are every "
             "Monday.", ("onboarding",)),
            ("Nouveau : la mobilité interne a sa page, {n} postes ouverts ce mois-ci.",
             ("mobilite-interne",)),
        ),
        questions=(
            Question("Comment poser un congé de solidarité familiale ?", ("conges",),
                     ("Demande via le portail RH, rubrique congés spéciaux.",)),
        ),
        polls=(
            PollSpec("Quel format pour le séminaire d'équipe ?",
                     ("Une journée au vert", "Deux demi-journées", "Afterwork")),
        ),
    ),
    "sales": Theme(
        posts=(
            ("Signature du contrat avec un grand compte de la distribution : {n} k€ annuels. "
             "Bravo à l'équipe avant-vente !", ("ventes", "grands-comptes")),
            ("Q{n} pipeline review on {day}: please update your opportunities in Salesforce "
             "before noon.", ("salesforce",)),
            ("Nouveau deck commercial disponible, avec les cas clients {city} et Dublin.",
             ("marketing-produit",)),
            ("Webinar replay: {n} attendees, {pct}% asked for a demo.", ("webinar",)),
        ),
        questions=(
            Question("Who can join a customer demo in English on {day}?", ("demos-clients",),
                     ("I can, send me the invite.", "Count me in for the technical part.")),
            Question("Où trouver le modèle de réponse aux appels d'offres ?",
                     ("appels-d-offres",),
                     ("Dans le drive avant-vente, dossier AO/modèles.",)),
        ),
        polls=(
            PollSpec("Best day for the sales kick-off?", ("Monday", "Thursday")),
        ),
    ),
    "company": Theme(
        posts=(
            ("Résultats du trimestre : croissance de {pct} % et {n} nouveaux clients. Merci à "
             "toutes et à tous !", ("entreprise",)),
            ("All-hands on {day} at 5 pm Paris time, Q&A included. Questions can be sent "
             "anonymously.", ("all-hands",)),
            ("Les bureaux de {city} déménagent en janvier : plus de salles de réunion et un "
             "parking vélo.", ("bureaux",)),
            ("Notes de frais : le nouveau circuit de validation est en place depuis {day}.",
             ("notes-de-frais", "finance")),
        ),
        questions=(
            Question("Quand les bureaux de {city} rouvrent-ils après les travaux ?",
                     ("bureaux",), ("Lundi prochain d'après les services généraux.",)),
        ),
        polls=(
            PollSpec("Thème de la soirée de fin d'année ?",
                     ("Casino", "Années 80", "Guinguette")),
        ),
    ),
    "phoenix": Theme(
        posts=(
            ("Phoenix : la recette du module achats est terminée, {n} anomalies ouvertes dont "
             "aucune bloquante.", ("phoenix", "recette")),
            ("Cutover rehearsal #{n} done in {n} hours, target is under 10.", ("phoenix",)),
            ("Planning de bascule validé : gel des écritures le vendredi soir, reprise lundi.",
             ("phoenix", "planning")),
        ),
        questions=(
            Question("Les centres de coût sont-ils repris tels quels dans SAP ?",
                     ("sap", "phoenix"),
                     ("Non, la nouvelle structure est dans le fichier de mapping v3.",)),
        ),
        polls=(),
    ),
    "mobile": Theme(
        posts=(
            ("Beta {n} of the mobile app is on TestFlight and the Play Store beta track.",
             ("mobile", "beta")),
            ("Les fiches des stores sont validées en français et en anglais.", ("mobile",)),
            ("Crash-free sessions at {pct}% this week. Push notifications land on {day}.",
             ("mobile", "qualite")),
        ),
        questions=(
            Question("Do we support deep links from notification emails at launch?",
                     ("mobile",), ("Yes, universal links are configured for both stores.",)),
        ),
        polls=(
            PollSpec("Nom de code de la prochaine version mobile ?",
                     ("Albatros", "Bergeronnette", "Colibri"), ("mobile",)),
        ),
    ),
    "event": Theme(
        posts=(
            ("VivaTech : le stand est réservé, {n} m² dans le hall 1.", ("vivatech",)),
            ("Demo script v{n} for the booth is ready, please rehearse before {day}.",
             ("vivatech", "demo")),
            ("Bilan du salon : {n} contacts qualifiés et {pct} démos. Merci à toute l'équipe !",
             ("vivatech", "bilan")),
        ),
        questions=(
            Question("Qui peut tenir le stand le jeudi matin ?", ("vivatech",),
                     ("Moi, de 9 h à 13 h.", "Je peux prendre l'après-midi.")),
        ),
        polls=(),
    ),
    "helios": Theme(
        posts=(
            ("Hélios : la data room est ouverte, accès nominatifs uniquement.", ("helios",)),
            ("Synthèse de la due diligence technique : dette modérée, {n} points d'attention.",
             ("helios",)),
            ("Board review moved to {day}; the valuation memo is in the data room.",
             ("helios",)),
        ),
        questions=(
            Question("Qui relit les clauses de garantie du protocole ?", ("helios",),
                     ("La direction juridique, retour prévu vendredi.",)),
        ),
        polls=(),
    ),
    "running": Theme(
        posts=(
            ("Sortie du midi {day} : 8 km le long des quais, départ 12 h 15 devant l'accueil.",
             ("running",)),
            ("Semi-marathon de {city} : {n} coureurs Agora inscrits ! Qui d'autre ?",
             ("running", "course")),
            ("New personal best on the 10k this weekend, the Tuesday sessions pay off!",
             ("running",)),
        ),
        questions=(
            Question("Des conseils de chaussures pour débuter ?", ("running",),
                     ("Va dans un magasin spécialisé faire une analyse de foulée.",
                      "Commence avec un modèle amorti, rien de trop technique.")),
        ),
        polls=(
            PollSpec("Prochaine course d'équipe ?", ("10 km", "Semi-marathon", "Trail")),
        ),
    ),
    "photo": Theme(
        posts=(
            ("Sortie photo {day} au lever du soleil à {city}, rendez-vous 7 h.", ("photo",)),
            ("Le thème du mois : reflets. Postez vos meilleures images !", ("photo", "defi")),
            ("Tip: shoot in RAW when the light is tricky, you'll thank yourself later.",
             ("photo",)),
        ),
        questions=(
            Question("Quel objectif pour la photo de rue ?", ("photo",),
                     ("Un 35 mm, discret et polyvalent.",)),
        ),
        polls=(
            PollSpec("Thème du mois prochain ?", ("Portraits", "Architecture", "Nuit")),
        ),
    ),
    "english": Theme(
        posts=(
            ("Word of the week: « to touch base ». Use it in a sentence below!", ("english",)),
            ("Conversation club on {day} at 12:30, topic: travel stories.", ("english",)),
            ("Idiom: it's raining cats and dogs. The French equivalent? Il pleut des cordes !",
             ("english", "langues")),
        ),
        questions=(
            Question("What's the difference between « eventually » and « finalement » ?",
                     ("english",),
                     ("« Eventually » means in the end, after some time; « finalement » is "
                      "closer to « finally » or « in the end ».",)),
        ),
        polls=(
            PollSpec("Next conversation topic?", ("Food", "Films", "Work habits")),
        ),
    ),
    "velo": Theme(
        posts=(
            ("Nouvel itinéraire testé pour venir au bureau de {city} : 100 % piste cyclable.",
             ("velo",)),
            ("Atelier réparation vélo {day} midi dans le parking, apportez vos chambres à air.",
             ("velo", "atelier")),
        ),
        questions=(
            Question("Le parking vélo du sous-sol a-t-il des prises pour les VAE ?", ("velo",),
                     ("Oui, six prises au fond à gauche.",)),
        ),
        polls=(),
    ),
}  # fmt: skip

PROFILE_POSTS = (
    ("Très heureuse de rejoindre l'équipe {team} ! Hâte de travailler avec vous.", ("arrivee",)),
    ("Ma présentation sur {skill} au meetup de {city} est en ligne, les slides sont sur le "
     "drive.", ("meetup",)),
    ("Three years at Agora today. Thank you all for the trust and the good laughs.", ()),
    ("Je cherche un binôme pour le hackathon de {day}, thème : {skill}.", ("hackathon",)),
    ("Just finished a certification in {skill}. Happy to share my notes!", ("formation",)),
    ("Merci à {person} pour le coup de main d'hier, ça m'a fait gagner une journée.", ()),
    ("Back from {city}: great customer visit, lots of feedback for the product team.", ()),
)  # fmt: skip

PRAISE = (
    "Un grand merci à {names} pour {what} !",
    "Big thanks to {names} for {what}!",
    "Bravo {names} : {what}, c'était impeccable.",
    "Shout-out to {names} for {what}. Great teamwork.",
)
PRAISE_WHAT = (
    "l'aide sur la mise en production", "le support pendant l'incident de la nuit",
    "la super démo client", "la relecture attentive de ma pull request",
    "l'organisation de l'atelier", "la formation des nouveaux arrivants",
    "handling the customer escalation so calmly", "the crystal-clear documentation",
    "the migration weekend", "jumping in to help on the release",
)  # fmt: skip

COMMENTS = (
    "Merci pour le partage !", "Super nouvelle 👏", "Très clair, merci.",
    "Je regarde ça demain.", "Bravo à toute l'équipe !", "On en parle à la prochaine rétro ?",
    "Est-ce que c'est documenté quelque part ?", "Je confirme, ça marche aussi chez nous.",
    "Top, exactement ce qu'il nous fallait.", "Je suis partant·e !",
    "Thanks for sharing!", "Great work, well done.", "Very helpful, thank you.",
    "Count me in!", "Is there a recording?", "Nice one 🎉", "Good point, agreed.",
    "Can we reuse this in our team?", "Looking forward to it.", "Interesting, tell us more!",
)  # fmt: skip
REPLIES = (
    "Oui, le lien est dans le wiki.", "Bonne question, je me renseigne.", "Exactement !",
    "Yes, I'll share it after the meeting.", "Agreed 👍", "Merci !", "Noted, thanks.",
    "Je t'envoie ça en message privé.", "Sure, ping me tomorrow.",
)  # fmt: skip

TICKETS = {
    "OPS": (
        ("Latence élevée sur l'API de paiement", "Alerte p99 > 800 ms depuis 10 h 12."),
        ("Disk usage above 85% on kafka-broker-2", "Retention may need to be reduced."),
        ("Certificat TLS expirant sur portail.agora.example", "Expiration dans 14 jours."),
        ("Erreurs 502 intermittentes sur l'ingress", "Environ 0,3 % des requêtes."),
        ("Backup PostgreSQL en échec sur le cluster billing", "Le job de 2 h a échoué."),
        ("Node pool upgrade to Kubernetes 1.31", "Planned change, staging first."),
        ("Fuite mémoire sur le service de notifications", "Redémarrages toutes les 6 h."),
        ("DNS resolution timeouts in the eu-west cluster", "Seen by three services."),
        ("Quota de stockage objet atteint", "Bucket exports-clients à 98 %."),
        ("Alert fatigue: too many warnings on the search cluster", "Tune the thresholds."),
    ),
    "SUP": (
        ("Client Durand SA : export PDF vide", "Depuis la mise à jour 4.12."),
        ("Customer cannot log in with SSO after IdP change", "Entra ID tenant migrated."),
        ("Factures en double pour un client grand compte", "Deux prélèvements ce mois-ci."),
        ("Webhook deliveries delayed for a customer", "Up to 20 minutes of delay."),
        ("Import CSV refusé : encodage", "Fichier en Windows-1252 avec accents."),
        ("Mobile app crashes on Android 12 for one tenant", "Stack trace attached."),
    ),
    "PHX": (
        ("Mapping des centres de coût", "Validation finance attendue."),
        ("Interface banque : format CAMT.053", "Tests avec la banque la semaine prochaine."),
        ("Data migration dry run #3", "Duration and error report."),
    ),
}  # fmt: skip
TICKET_COMMENTS = (
    "Pris en charge, je regarde.", "Taking this one.", "Root cause identified: connection "
    "pool exhausted after the last release.", "Correctif déployé en production, on surveille.",
    "Je n'arrive pas à reproduire en staging, des logs supplémentaires ?",
    "Workaround applied, the customer is unblocked.", "Rollback effectué, le service est "
    "revenu à la normale.", "Closing: no recurrence in 48 hours.",
    "Post-mortem prévu jeudi.", "Added a dashboard panel so we see it coming next time.",
)  # fmt: skip

SHARE_TEXTS = ("À lire !", "Worth a read.", "Très utile pour notre équipe.", "FYI", "+1 👍")
WELCOME = (
    "Bienvenue sur Agora ! 🎉 Notre réseau social d'entreprise est ouvert : suivez vos "
    "collègues, rejoignez les communautés et posez vos questions, les experts les verront.\n\n"
    "Welcome to Agora! Follow your colleagues, join communities and ask questions: the people "
    "who know will see them."
)
