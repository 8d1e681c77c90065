// Labels of stages, funnel steps, categories, programmes and deadline kinds in Kazakh,
// Russian and English. Each term the seeds give cites its seed file and line
// (../shared/seeds/, copies in tests/data/seeds/: 000 the Kazakh FAQ, 001 the 2023
// campaign, 002 Order 318 in Russian, 004 Order 318 in Kazakh); a term marked "project"
// is the project's own wording where the seeds name none.

export const LANGUAGES = { kk: "Қазақша", ru: "Русский", en: "English" };

const t = (en, ru, kk, source) => ({ en, ru, kk, source });

export const CATEGORY = {
  GENERAL: t("General competition", "Общий конкурс", "Жалпы конкурс",
    { ru: "002:174", kk: "004:32" }),
  RURAL: t("Applicants from rural settlements", "Претенденты из сельского населенного пункта",
    "Ауылды елдімекеннен шыққан үміткерлер", { ru: "001:65", kk: "000:66" }),
  ENGINEERING_TECHNICAL: t("Engineering and technical staff", "Инженерно-технические работники",
    "Инженерлік-техникалық қызметкерлер", { ru: "001:66", kk: "000:164" }),
  MEDICAL: t("Medical staff", "Медицинские работники", "Медицина қызметкерлері",
    { ru: "001:67", kk: "000:166" }),
  SELF_ADMITTED_MASTERS: t("Self-admitted to a master's programme",
    "Самостоятельно поступивший в магистратуру", "Магистратураға өз бетімен түскен",
    { ru: "project", kk: "004:305" }),
  SELF_ADMITTED_DOCTORATE_RESIDENCY: t("Self-admitted to doctorate or residency",
    "Самостоятельно поступивший на докторантуру/резидентуру",
    "Докторантураға/резидентураға өз бетімен түскен", { ru: "002:150", kk: "004:134" }),
  CIVIL_SERVANT: t("Civil servants", "Государственные служащие", "Мемлекеттік қызметші",
    { ru: "001:74", kk: "004:29" }),
  SCIENTIFIC_PEDAGOGICAL: t("Scientific and teaching staff", "Научно-педагогический работник",
    "Ғылыми-педагогикалық қызметкер", { ru: "002:165", kk: "project" }),
  CULTURE_CREATIVE: t("Culture and creative workers", "Работник культуры, творческий работник",
    "Мәдениет қызметкері, шығармашылық қызметкер", { ru: "002:166", kk: "project" }),
  MASS_MEDIA: t("Mass media staff", "Сотрудники средств массовой информации",
    "Бұқаралық ақпарат құралдары қызметкерлері", { ru: "001:78", kk: "000:170-172" }),
  TEACHER: t("Teachers of secondary, technical and vocational education",
    "Педагоги организаций среднего, технического и профессионального образования",
    "Орта, техникалық және кәсіптік білім беру ұйымдарының педагогтары",
    { ru: "001:76", kk: "000:166" }),
  CULTURE_TOURISM_SPORT: t("Culture, tourism and sport staff", "Работники культуры, туризма и спорта",
    "Мәдениет, туризм және спорт саласының қызметкерлері", { ru: "001:77", kk: "000:170" }),
  AGRO_INDUSTRIAL: t("Agro-industrial staff", "Работники сферы АПК",
    "Агроөнеркәсіп кешені қызметкерлері", { ru: "001:79", kk: "000:172" }),
};

export const STAGE = {
  SUBMITTED: t("Submitted", "Прием документов", "Құжаттарды тапсыру",
    { ru: "001:538", kk: "000:24" }),
  ELIGIBILITY_REVIEW: t("Eligibility under review", "Проверка соответствия", "Талапқа сай келуін тексеру",
    { ru: "project", kk: "project" }),
  ELIGIBLE: t("Eligible", "Соответствует требованиям", "Талапқа сай келу", { ru: "project", kk: "000:20" }),
  INELIGIBLE: t("Ineligible", "Не соответствует требованиям", "Талапқа сай келмейді",
    { ru: "project", kk: "project" }),
  TESTED: t("Comprehensive testing", "Комплексное тестирование", "Кешенді тестілеу",
    { ru: "001:468", kk: "000:27" }),
  TESTING_ANNULLED: t("Testing annulled", "Тестирование аннулировано", "Тестілеу жойылды",
    { ru: "project", kk: "project" }),
  INTERVIEW_BOOKED: t("Interview booked", "Записан на собеседование", "Әңгімелесуге жазылды",
    { ru: "project", kk: "project" }),
  INTERVIEWED: t("Interview with the NEC", "Собеседование с членами НЭК",
    "Тәуелсіз сарапшылар комиссиясы мүшелерімен жеке әңгімелесу", { ru: "001:472", kk: "000:29" }),
  INTERVIEW_ANNULLED: t("Interview annulled", "Собеседование аннулировано", "Әңгімелесу жойылды",
    { ru: "project", kk: "project" }),
  AWARDED: t("Scholarship awarded", "Стипендия присуждена", "Стипендия тағайындалды",
    { ru: "project", kk: "000:36" }),
  REFUSED: t("Refused", "Отказано", "Бас тартылды", { ru: "project", kk: "project" }),
  CONTRACTED: t("Contracts signed", "Договор обучения и договор залога", "Шарт жасалды",
    { ru: "001:90", kk: "000:40" }),
  LANGUAGE_COURSE: t("Language course", "Языковые курсы", "Тіл курстары", { ru: "001:275", kk: "project" }),
  SCHOLAR_REVIEW: t("Scholar under review", "Рассмотрение стипендиата", "Стипендиатты қарау",
    { ru: "project", kk: "project" }),
  STUDYING: t("Studying", "Академическое обучение", "Оқу", { ru: "001:55", kk: "project" }),
  STUDIES_COMPLETED: t("Studies completed", "Обучение завершено", "Оқу аяқталды", { ru: "project", kk: "project" }),
  RETURNED: t("Returned", "Возвращение", "Оралу", { ru: "001:24", kk: "project" }),
  WORKING_OFF: t("Working off", "Отработка", "Жұмыспен өтеу", { ru: "001:31", kk: "project" }),
  WORK_OFF_COMPLETED: t("Work-off completed", "Отработка завершена", "Жұмыспен өтеу аяқталды",
    { ru: "project", kk: "project" }),
  REVOKED: t("Status revoked", "Статус лишен", "Мәртебесінен айырылды", { ru: "project", kk: "000:47" }),
  WITHDRAWN: t("Withdrawn", "Отозвано", "Қайтарып алынды", { ru: "project", kk: "project" }),
};

// the dashboard's funnel steps (projections/dashboard.py), by their stage's term
export const FUNNEL = {
  submitted: STAGE.SUBMITTED,
  assessed: t("Assessed", "Проверено", "Тексерілді", { ru: "project", kk: "project" }),
  eligible: STAGE.ELIGIBLE,
  ineligible: STAGE.INELIGIBLE,
  tested: STAGE.TESTED,
  interviewed: STAGE.INTERVIEWED,
  awarded: STAGE.AWARDED,
  refused: STAGE.REFUSED,
  contracted: STAGE.CONTRACTED,
  revoked: STAGE.REVOKED,
  withdrawn: STAGE.WITHDRAWN,
};

export const PROGRAMME = {
  MASTERS: t("Master's", "Магистратура", "Магистратура", { ru: "001:59", kk: "000:9" }),
  RESIDENCY: t("Residency", "Резидентура", "Резидентура", { ru: "001:60", kk: "000:11" }),
  DOCTORATE: t("Doctorate", "Докторантура", "Докторантура", { ru: "001:61", kk: "000:9" }),
  INTERNSHIP: t("Internship", "Стажировка", "Тағылымдама", { ru: "001:69", kk: "000:159" }),
};

export const DEADLINE_KIND = {
  contract: t("Contracts (90 days)", "Договоры (90 дней)", "Шарттар (90 күн)", { ru: "project", kk: "000:45" }),
  commission_protocol: t("Commission protocol", "Протокол комиссии", "Комиссия хаттамасы",
    { ru: "project", kk: "project" }),
  egov_intake: t("eGov answer", "Ответ через eGov", "eGov жауабы", { ru: "project", kk: "project" }),
  language_course: STAGE.LANGUAGE_COURSE,
  work_off: STAGE.WORKING_OFF,
  winners_list: t("Winners list", "Список победителей", "Жеңімпаздар тізімі", { ru: "project", kk: "project" }),
};

/** The label of `key` in `table` for `lang`, the key itself when there is none. */
export function label(table, key, lang) {
  const entry = table[key] ?? table[String(key).toUpperCase()] ?? table[String(key).toLowerCase()];
  return entry ? entry[lang] : String(key);
}
