// UI strings in English and Spanish: one small dictionary per language, and the switch between them.
// Catalog text (service names, descriptions, the matcher's reasons) stays in the language it was written in.

const en = {
  "skip": "Skip to content",
  "nav.label": "Pages", "nav.match": "Match", "nav.directory": "Directory", "nav.planner": "Planner",
  "nav.provider": "Provider", "lang.label": "Page language",
  "title.match": "Find a place now", "title.directory": "Directory", "title.service": "Service",
  "title.planner": "Gaps by intercept and need", "title.provider": "Update your openings",
  "signin.summary": "Sign in", "signin.key": "API key", "signin.save": "Save key", "signin.out": "Sign out",
  "signin.note": "The key stays in this browser only.", "signin.as": "Signed in: {role}",
  "signin.role": "Signed in as {role}", "signin.bad": "Key not accepted",
  "role.admin": "administrator", "role.curator": "curator", "role.provider": "provider",
  "role.case_manager": "case manager", "role.operator": "operator", "role.planner": "planner",
  "map.label": "Map", "map.zoomIn": "Zoom in", "map.zoomOut": "Zoom out", "map.here": "The person is here",

  "match.where": "Where is the person?", "match.useDevice": "Use my location", "match.or": "or",
  "match.postcode": "Postcode", "match.tapHint": "Or tap the map to set the place.",
  "match.needs": "What does the person need?", "match.aboutPerson": "About the person (optional, never stored)",
  "match.aboutHint": "Leave anything unknown blank: it excludes nothing.", "match.submit": "Find options",
  "match.results": "Results", "match.searching": "Looking for options…",
  "where.none": "No place set yet.", "where.postcode": "Using postcode {postcode}.",
  "where.device": "Using this device's location ({lat}, {lon}).", "where.map": "Using the place tapped on the map ({lat}, {lon}).",
  "where.noDevice": "This device cannot share its location; enter a postcode.",
  "where.locating": "Finding this device's location…", "where.denied": "Location not available; enter a postcode or tap the map.",
  "p.active_use": "Uses drugs or alcohol now", "p.on_moud": "On methadone or buprenorphine (MOUD)",
  "p.no_id": "Has no ID", "p.sex_work": "Does sex work", "p.criminal_record": "Has a criminal record",
  "p.pets": "Has a pet", "p.gender": "Gender", "p.any": "Not stated", "p.female": "Woman", "p.male": "Man",
  "p.nonbinary": "Non-binary", "p.transgender": "Transgender", "p.age": "Age",
  "p.languages": "Languages (codes, e.g. es, vi)", "p.insurance": "Insurance", "p.private": "Private",
  "p.uninsured": "No insurance", "m.radius": "Within", "m.program": "Program", "m.openNow": "Only places open now",
  "cap.open": "{n} {unit} open", "cap.untracked": "Not tracked: call ahead", "cap.unconfirmed": "Call to confirm",
  "cap.program": "Program-reserved", "cap.updated": "updated {ago}",
  "unit.bed": "bed(s)", "unit.slot": "slot(s)", "unit.appointment": "appointment(s)", "unit.place": "place(s)",
  "hours.everyDay": "Every day", "hours.allDay": "open 24 hours",
  "ago.now": "just now", "ago.minutes": "{n} min ago", "ago.hours": "{n} h ago", "ago.days": "{n} days ago",
  "opt.openNow": "Open now", "opt.closedNow": "Closed now", "opt.reasons": "Why this option",
  "opt.warnings": "Warnings", "opt.none": "No options.",
  "warn.capacity_unconfirmed": "The last capacity report is old: call to confirm before going.",
  "gap.none_in_area": "Nothing for this need within reach.",
  "gap.eligibility": "Services are nearby, but none takes this person.",
  "gap.no_capacity": "Services would take this person, but none has room.",
  "gap.waitlist_only": "Openings exist, but they are owed to people already waiting.",
  "gap.closed": "Open places exist, but none is open right now.",
  "gap.unconfirmed_only": "Only old capacity reports: call to confirm.",
  "hold.button": "Hold 1 {unit}", "hold.label": "Hold", "hold.held": "Held until {until}", "hold.left": "left",
  "hold.expired": "expired", "hold.confirm": "Confirm arrival", "hold.release": "Release",
  "hold.placed": "Held at {name} until {until}.", "hold.none": "No open units left: someone else just took it.",
  "hold.released": "Hold released.", "hold.confirmed": "Placement confirmed at {name}.",
  "hold.placedNote": "Placed.",
  "card.button": "Referral card", "card.print": "Print", "card.share": "Share", "card.close": "Close",
  "card.loading": "Loading the card…", "card.kicker": "Referral", "card.address": "Address", "card.hours": "Hours",
  "card.phone": "Phone", "card.bring": "What to bring", "card.unknown": "Not listed: call ahead",
  "card.nothingListed": "Nothing listed", "card.map": "Map:", "card.openMap": "Open in map app",
  "card.held": "A place is held until {until}.", "card.copied": "Card copied.",
  "err.place": "Set a place: use the device's location, a postcode, or tap the map.",
  "err.needs": "Pick at least one need.", "err.signin": "Sign in with your API key first (top right).",
  "err.api": "The server said: {detail}", "err.network": "Could not reach the server. Check the connection.",

  "dir.search": "Search", "dir.searchHint": "e.g. detox, shelter, legal aid",
  "dir.place": "Place (postcode or lat, lon)", "dir.need": "Need", "dir.anyNeed": "Any need",
  "dir.language": "Language", "dir.anyLanguage": "Any language", "dir.openNow": "Open now", "dir.submit": "Search",
  "dir.keys": "Press / to search, Enter to run.", "dir.pages": "Pages of results", "dir.prev": "Previous",
  "dir.next": "Next", "dir.searching": "Searching…", "dir.count": "{n} results · page {page} of {pages}",
  "dir.none": "Nothing found. Try fewer words or another place.", "dir.hours": "Hours",
  "dir.hoursUnknown": "Hours not listed", "dir.who": "Who", "dir.noLimits": "No limits listed",
  "dir.languages": "Languages",
  "elig.sobriety_required": "Must be sober", "elig.excludes_moud": "Not for people on MOUD",
  "elig.excludes_sex_work": "Not for people doing sex work", "elig.id_required": "ID required",
  "elig.excludes_criminal_record": "No criminal record", "elig.genders": "Genders: {value}",
  "elig.no_pets": "No pets", "elig.insurance": "Insurance: {value}", "elig.housing_first": "Housing First",
  "elig.low_barrier": "Low barrier", "elig.walk_in": "Walk-ins welcome",
  "elig.religious_participation_required": "Religious participation required", "elig.peer_staffed": "Peer staffed",
  "elig.minAge": "Age {n}+", "elig.maxAge": "Up to age {n}",

  "svc.back": "← Directory", "svc.loading": "Loading…", "svc.notFound": "Service not found",
  "svc.status": "Status: {status}", "svc.glance": "At a glance", "svc.needs": "Meets", "svc.who": "Who can use it",
  "svc.eligibility": "Eligibility", "svc.languages": "Languages", "svc.hours": "Hours", "svc.apply": "How to apply",
  "svc.bring": "What to bring", "svc.fees": "Fees", "svc.wait": "Wait time", "svc.intercepts": "Intercepts",
  "svc.areas": "Service area", "svc.interpretation": "Interpretation", "svc.accreditations": "Accreditations",
  "svc.licenses": "Licenses", "svc.funding": "Funding", "svc.phones": "Phones", "svc.contacts": "Contacts",
  "svc.email": "Email", "svc.url": "Website", "svc.assured": "Verified on", "svc.modified": "Last changed",
  "svc.locations": "Locations", "svc.capacity": "Capacity", "svc.capNumbers": "{available} of {maximum} {unit} available",
  "svc.waitlist": "{n} waiting", "svc.reserved": "Reserved for {programs}", "svc.publicPool": "Public",
  "svc.loadingHistory": "Loading history…", "svc.noHistory": "No history available",
  "svc.signinHistory": "Sign in to see how the numbers moved",
  "svc.fewReports": "Not enough reports for a trend",
  "svc.sparkLabel": "Available over the last {n} reports: lowest {min}, highest {max}, now {last}",
  "svc.raw": "All HSDS fields",
  "report.title": "Report a problem with this listing", "report.field": "What is wrong?",
  "report.f.name": "Name", "report.f.address": "Address or location", "report.f.phone": "Phone",
  "report.f.hours": "Hours", "report.f.eligibility": "Who can use it", "report.f.capacity": "Beds or openings",
  "report.f.closed": "It has closed", "report.f.other": "Something else", "report.message": "Tell us what you found",
  "report.send": "Send report", "report.thanks": "Thank you: a curator will check it.",
  "report.empty": "Write what you found first.",

  "plan.need": "Need", "plan.intercept": "Intercept", "plan.anyIntercept": "Any intercept", "plan.from": "From",
  "plan.to": "To", "plan.apply": "Show", "plan.csv": "Download CSV", "plan.geojson": "Download GeoJSON",
  "plan.simTitle": "Sequential Intercept Model", "plan.mapTitle": "Gap map",
  "plan.simCaption": "Status of each need at each intercept", "plan.noData": "No data for these filters.",
  "plan.signin": "Sign in with a planner key to see the gap reports.",
  "plan.mapCount": "{n} areas: {absent} absent, {lacks_capacity} lacking capacity, {sufficient} sufficient.",
  "plan.downloaded": "Saved {file}.", "plan.topGaps": "Biggest gaps", "plan.k.services": "services", "plan.k.low_barrier_services": "low-barrier",
  "plan.k.open_units": "open units", "plan.k.gap_events": "gaps met", "plan.k.demand": "demand",
  "plan.hoursTitle": "Hours covered", "plan.hoursCaption": "Services open each hour of the week: {need}",
  "plan.hoursFor": "{need}: services open each hour of this week, {n} services within {km} km of the region's centre ({tz}).",
  "plan.hoursForOne": "{need}: services open each hour of this week, 1 service within {km} km of the region's centre ({tz}).",
  "plan.hoursUnknown": "{n} with hours nobody has given (not counted).",
  "plan.hourOpen": "{day} {hour}: {n} open", "plan.hourSkipped": "This hour does not exist (clocks change).",
  "plan.allCovered": "Some service is open every hour of this week.",
  "plan.noneOpen": "No service open for {n} hours of this week:", "plan.noneOpenRun": "{from} to {to} ({n} h)",
  "plan.andMore": "and {n} more",
  "status.sufficient": "Enough", "status.lacks_capacity": "Exists, lacks capacity", "status.absent": "Absent",
  "intercept.0": "Community services and crisis", "intercept.1": "Law enforcement",
  "intercept.2": "Initial detention and first court appearance", "intercept.3": "Jails and courts",
  "intercept.4": "Reentry", "intercept.5": "Community corrections",

  "prov.hint": "Change a number with − and +, then Save. The time is set to now.",
  "prov.available": "Open now", "prov.waitlist": "Waiting", "prov.less": "One less: {what}",
  "prov.more": "One more: {what}", "prov.save": "Save", "prov.saved": "Saved at {at}",
  "prov.notApplied": "A newer report is already stored; reload to see it.", "prov.of": "of {n}",
  "prov.signin": "Sign in with your provider key to update your numbers.",
  "prov.none": "No capacity pools for your organization yet.",
};

const es = {
  "skip": "Ir al contenido",
  "nav.label": "Páginas", "nav.match": "Buscar lugar", "nav.directory": "Directorio", "nav.planner": "Planificación",
  "nav.provider": "Proveedor", "lang.label": "Idioma de la página",
  "title.match": "Encontrar un lugar ahora", "title.directory": "Directorio", "title.service": "Servicio",
  "title.planner": "Brechas por intercepción y necesidad", "title.provider": "Actualice sus plazas",
  "signin.summary": "Iniciar sesión", "signin.key": "Clave de API", "signin.save": "Guardar clave",
  "signin.out": "Cerrar sesión", "signin.note": "La clave se queda solo en este navegador.",
  "signin.as": "Sesión: {role}", "signin.role": "Sesión iniciada como {role}", "signin.bad": "Clave no aceptada",
  "role.admin": "administración", "role.curator": "curaduría", "role.provider": "proveedor",
  "role.case_manager": "gestor de casos", "role.operator": "operador", "role.planner": "planificación",
  "map.label": "Mapa", "map.zoomIn": "Acercar", "map.zoomOut": "Alejar", "map.here": "La persona está aquí",

  "match.where": "¿Dónde está la persona?", "match.useDevice": "Usar mi ubicación", "match.or": "o",
  "match.postcode": "Código postal", "match.tapHint": "O toque el mapa para fijar el lugar.",
  "match.needs": "¿Qué necesita la persona?", "match.aboutPerson": "Sobre la persona (opcional, nunca se guarda)",
  "match.aboutHint": "Deje en blanco lo que no sepa: no excluye nada.", "match.submit": "Buscar opciones",
  "match.results": "Resultados", "match.searching": "Buscando opciones…",
  "where.none": "Todavía no hay lugar.", "where.postcode": "Usando el código postal {postcode}.",
  "where.device": "Usando la ubicación de este dispositivo ({lat}, {lon}).",
  "where.map": "Usando el lugar tocado en el mapa ({lat}, {lon}).",
  "where.noDevice": "Este dispositivo no puede compartir su ubicación; escriba un código postal.",
  "where.locating": "Buscando la ubicación del dispositivo…",
  "where.denied": "Ubicación no disponible; escriba un código postal o toque el mapa.",
  "p.active_use": "Consume drogas o alcohol ahora", "p.on_moud": "En metadona o buprenorfina (MOUD)",
  "p.no_id": "No tiene identificación", "p.sex_work": "Hace trabajo sexual", "p.criminal_record": "Tiene antecedentes penales",
  "p.pets": "Tiene mascota", "p.gender": "Género", "p.any": "Sin indicar", "p.female": "Mujer", "p.male": "Hombre",
  "p.nonbinary": "No binario", "p.transgender": "Transgénero", "p.age": "Edad",
  "p.languages": "Idiomas (códigos, p. ej. es, vi)", "p.insurance": "Seguro médico", "p.private": "Privado",
  "p.uninsured": "Sin seguro", "m.radius": "Dentro de", "m.program": "Programa",
  "m.openNow": "Solo lugares abiertos ahora",
  "cap.open": "{n} {unit} libre(s)", "cap.untracked": "Sin registro: llame antes", "cap.unconfirmed": "Llame para confirmar",
  "cap.program": "Reservado al programa", "cap.updated": "actualizado {ago}",
  "unit.bed": "cama(s)", "unit.slot": "cupo(s)", "unit.appointment": "cita(s)", "unit.place": "plaza(s)",
  "hours.everyDay": "Todos los días", "hours.allDay": "abierto 24 horas",
  "ago.now": "ahora mismo", "ago.minutes": "hace {n} min", "ago.hours": "hace {n} h", "ago.days": "hace {n} días",
  "opt.openNow": "Abierto ahora", "opt.closedNow": "Cerrado ahora", "opt.reasons": "Por qué esta opción",
  "opt.warnings": "Avisos", "opt.none": "No hay opciones.",
  "warn.capacity_unconfirmed": "El último informe de plazas es antiguo: llame para confirmar antes de ir.",
  "gap.none_in_area": "No hay nada para esta necesidad al alcance.",
  "gap.eligibility": "Hay servicios cerca, pero ninguno acepta a esta persona.",
  "gap.no_capacity": "Hay servicios que la aceptarían, pero ninguno tiene lugar.",
  "gap.waitlist_only": "Hay plazas, pero corresponden a personas que ya esperan.",
  "gap.closed": "Hay lugares con plazas, pero ninguno está abierto ahora.",
  "gap.unconfirmed_only": "Solo hay informes antiguos: llame para confirmar.",
  "hold.button": "Reservar 1 {unit}", "hold.label": "Reserva", "hold.held": "Reservado hasta las {until}",
  "hold.left": "restantes", "hold.expired": "vencida", "hold.confirm": "Confirmar llegada", "hold.release": "Liberar",
  "hold.placed": "Reservado en {name} hasta las {until}.", "hold.none": "No quedan plazas: alguien acaba de tomarla.",
  "hold.released": "Reserva liberada.", "hold.confirmed": "Ingreso confirmado en {name}.", "hold.placedNote": "Ingresado.",
  "card.button": "Tarjeta de derivación", "card.print": "Imprimir", "card.share": "Compartir", "card.close": "Cerrar",
  "card.loading": "Cargando la tarjeta…", "card.kicker": "Derivación", "card.address": "Dirección",
  "card.hours": "Horario", "card.phone": "Teléfono", "card.bring": "Qué llevar", "card.unknown": "No indicado: llame antes",
  "card.nothingListed": "Nada indicado", "card.map": "Mapa:", "card.openMap": "Abrir en la app de mapas",
  "card.held": "Hay una plaza reservada hasta las {until}.", "card.copied": "Tarjeta copiada.",
  "err.place": "Fije un lugar: la ubicación del dispositivo, un código postal o un toque en el mapa.",
  "err.needs": "Elija al menos una necesidad.", "err.signin": "Primero inicie sesión con su clave de API (arriba a la derecha).",
  "err.api": "El servidor respondió: {detail}", "err.network": "No se pudo contactar al servidor. Revise la conexión.",

  "dir.search": "Buscar", "dir.searchHint": "p. ej. desintoxicación, albergue, ayuda legal",
  "dir.place": "Lugar (código postal o lat, lon)", "dir.need": "Necesidad", "dir.anyNeed": "Cualquier necesidad",
  "dir.language": "Idioma", "dir.anyLanguage": "Cualquier idioma", "dir.openNow": "Abierto ahora", "dir.submit": "Buscar",
  "dir.keys": "Pulse / para buscar, Intro para ejecutar.", "dir.pages": "Páginas de resultados", "dir.prev": "Anterior",
  "dir.next": "Siguiente", "dir.searching": "Buscando…", "dir.count": "{n} resultados · página {page} de {pages}",
  "dir.none": "No se encontró nada. Pruebe con menos palabras u otro lugar.", "dir.hours": "Horario",
  "dir.hoursUnknown": "Horario no indicado", "dir.who": "Para quién", "dir.noLimits": "Sin límites indicados",
  "dir.languages": "Idiomas",
  "elig.sobriety_required": "Exige sobriedad", "elig.excludes_moud": "No para personas en MOUD",
  "elig.excludes_sex_work": "No para personas que hacen trabajo sexual", "elig.id_required": "Exige identificación",
  "elig.excludes_criminal_record": "Sin antecedentes penales", "elig.genders": "Géneros: {value}",
  "elig.no_pets": "Sin mascotas", "elig.insurance": "Seguro: {value}", "elig.housing_first": "Vivienda Primero",
  "elig.low_barrier": "Pocos requisitos", "elig.walk_in": "Sin cita",
  "elig.religious_participation_required": "Exige participación religiosa", "elig.peer_staffed": "Atendido por pares",
  "elig.minAge": "Desde {n} años", "elig.maxAge": "Hasta {n} años",

  "svc.back": "← Directorio", "svc.loading": "Cargando…", "svc.notFound": "Servicio no encontrado",
  "svc.status": "Estado: {status}", "svc.glance": "De un vistazo", "svc.needs": "Atiende", "svc.who": "Para quién",
  "svc.eligibility": "Requisitos", "svc.languages": "Idiomas", "svc.hours": "Horario", "svc.apply": "Cómo solicitar",
  "svc.bring": "Qué llevar", "svc.fees": "Costos", "svc.wait": "Tiempo de espera", "svc.intercepts": "Intercepciones",
  "svc.areas": "Zona de servicio", "svc.interpretation": "Interpretación", "svc.accreditations": "Acreditaciones",
  "svc.licenses": "Licencias", "svc.funding": "Financiación", "svc.phones": "Teléfonos", "svc.contacts": "Contactos",
  "svc.email": "Correo", "svc.url": "Sitio web", "svc.assured": "Verificado el", "svc.modified": "Último cambio",
  "svc.locations": "Ubicaciones", "svc.capacity": "Plazas", "svc.capNumbers": "{available} de {maximum} {unit} libres",
  "svc.waitlist": "{n} en espera", "svc.reserved": "Reservado para {programs}", "svc.publicPool": "Público",
  "svc.loadingHistory": "Cargando historial…", "svc.noHistory": "Sin historial",
  "svc.signinHistory": "Inicie sesión para ver cómo cambiaron los números",
  "svc.fewReports": "Pocos informes para una tendencia",
  "svc.sparkLabel": "Libres en los últimos {n} informes: mínimo {min}, máximo {max}, ahora {last}",
  "svc.raw": "Todos los campos HSDS",
  "report.title": "Informar un problema con este servicio", "report.field": "¿Qué está mal?",
  "report.f.name": "Nombre", "report.f.address": "Dirección o ubicación", "report.f.phone": "Teléfono",
  "report.f.hours": "Horario", "report.f.eligibility": "Para quién es", "report.f.capacity": "Camas o plazas",
  "report.f.closed": "Ha cerrado", "report.f.other": "Otra cosa", "report.message": "Cuéntenos lo que encontró",
  "report.send": "Enviar informe", "report.thanks": "Gracias: una persona de curaduría lo revisará.",
  "report.empty": "Escriba primero lo que encontró.",

  "plan.need": "Necesidad", "plan.intercept": "Intercepción", "plan.anyIntercept": "Cualquier intercepción",
  "plan.from": "Desde", "plan.to": "Hasta", "plan.apply": "Mostrar", "plan.csv": "Descargar CSV",
  "plan.geojson": "Descargar GeoJSON", "plan.simTitle": "Modelo de Intercepción Secuencial", "plan.mapTitle": "Mapa de brechas",
  "plan.simCaption": "Estado de cada necesidad en cada intercepción", "plan.noData": "No hay datos para estos filtros.",
  "plan.signin": "Inicie sesión con una clave de planificación para ver las brechas.",
  "plan.mapCount": "{n} zonas: {absent} sin servicio, {lacks_capacity} con falta de plazas, {sufficient} suficientes.",
  "plan.downloaded": "Guardado {file}.", "plan.topGaps": "Brechas principales", "plan.k.services": "servicios", "plan.k.low_barrier_services": "pocos requisitos",
  "plan.k.open_units": "plazas libres", "plan.k.gap_events": "brechas encontradas", "plan.k.demand": "demanda",
  "plan.hoursTitle": "Horas cubiertas", "plan.hoursCaption": "Servicios abiertos cada hora de la semana: {need}",
  "plan.hoursFor": "{need}: servicios abiertos cada hora de esta semana, {n} servicios a menos de {km} km del centro de la región ({tz}).",
  "plan.hoursForOne": "{need}: servicios abiertos cada hora de esta semana, 1 servicio a menos de {km} km del centro de la región ({tz}).",
  "plan.hoursUnknown": "{n} sin horario conocido (no se cuentan).",
  "plan.hourOpen": "{day} {hour}: {n} abiertos", "plan.hourSkipped": "Esta hora no existe (cambio de hora).",
  "plan.allCovered": "Algún servicio está abierto cada hora de esta semana.",
  "plan.noneOpen": "Ningún servicio abierto durante {n} horas de esta semana:", "plan.noneOpenRun": "{from} a {to} ({n} h)",
  "plan.andMore": "y {n} más",
  "status.sufficient": "Suficiente", "status.lacks_capacity": "Existe, faltan plazas", "status.absent": "No existe",
  "intercept.0": "Servicios comunitarios y crisis", "intercept.1": "Fuerzas del orden",
  "intercept.2": "Detención inicial y primera comparecencia", "intercept.3": "Cárceles y tribunales",
  "intercept.4": "Reinserción", "intercept.5": "Supervisión comunitaria",

  "prov.hint": "Cambie un número con − y +, y pulse Guardar. La hora se fija a ahora.",
  "prov.available": "Libres ahora", "prov.waitlist": "En espera", "prov.less": "Uno menos: {what}",
  "prov.more": "Uno más: {what}", "prov.save": "Guardar", "prov.saved": "Guardado a las {at}",
  "prov.notApplied": "Ya hay un informe más reciente; recargue para verlo.", "prov.of": "de {n}",
  "prov.signin": "Inicie sesión con su clave de proveedor para actualizar sus números.",
  "prov.none": "Su organización todavía no tiene grupos de plazas.",
};

const NEED_ES = {
  shelter: "Albergue de emergencia", housing: "Vivienda", withdrawal_management: "Desintoxicación",
  moud: "Medicamentos para el trastorno por uso de opioides", sud_treatment: "Tratamiento de adicciones",
  mental_health: "Salud mental", crisis: "Atención en crisis", harm_reduction: "Reducción de daños",
  health_care: "Atención médica", food: "Comida", clothing: "Ropa", legal: "Ayuda legal",
  id_documents: "Documentos de identidad", benefits: "Beneficios públicos", employment: "Empleo",
  education: "Educación", transportation: "Transporte", peer_support: "Apoyo de pares", case_management: "Gestión de casos",
};
const NEED_EN = {
  shelter: "Emergency shelter", housing: "Housing", withdrawal_management: "Withdrawal management (detox)",
  moud: "Medications for opioid use disorder", sud_treatment: "Substance use treatment",
  mental_health: "Mental health care", crisis: "Crisis care", harm_reduction: "Harm reduction",
  health_care: "Health care", food: "Food", clothing: "Clothing", legal: "Legal help",
  id_documents: "Identity documents", benefits: "Public benefits", employment: "Employment",
  education: "Education", transportation: "Transportation", peer_support: "Peer support", case_management: "Case management",
};

export const DICTIONARIES = { en, es };
const NEED_LABELS = { en: NEED_EN, es: NEED_ES };
let current = "en";
const listeners = [];

export const lang = () => current;

export function setLanguage(code) {
  const next = DICTIONARIES[code] ? code : "en";
  const changed = next !== current;
  current = next;
  document.documentElement.lang = current;
  applyTranslations();
  if (changed) listeners.forEach((fn) => fn(current));
}

export function onLanguageChange(fn) { listeners.push(fn); }

/** The string for a key in the current language with {name} filled in; fallback when no key matches. */
export function t(key, params = {}, fallback) {
  let text = DICTIONARIES[current][key] ?? en[key];
  if (text === undefined) return fallback !== undefined ? String(fallback) : key;
  for (const [name, value] of Object.entries(params || {})) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

export function needLabel(code) {
  return NEED_LABELS[current][code] || NEED_EN[code] || code;
}

/** Fills every [data-i18n] text and [data-i18n-placeholder] / [data-i18n-aria-label] attribute. */
export function applyTranslations(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
}
