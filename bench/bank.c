/*
 * bank.c - see bank.h. A synthetic exam bank in the source format of
 * assets/README.md: word salad from election-themed word lists (Kazakh
 * with its own letters, Russian, English), with the lengths of real items:
 * stems of 150-400 bytes in Kazakh and Russian, options of 20-100 bytes,
 * 2 to 6 options; single, multiple and true/false items. English takes
 * half the bytes (one byte a letter where Cyrillic takes two), as in the
 * demo exam, whose stems average 170 bytes in kk, 175 in ru and 88 in en.
 *
 * Load: up to 100,000 items (the exam cap), written in one pass with no
 * memory kept per item (a few numbers per topic, for the blueprint). Determinism: one splitmix64
 * stream from the seed, integer arithmetic only, so a seed gives the same file everywhere.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"

enum { KK = 0, RU = 1, EN = 2, NLANGS = 3 };
static const char *const lang_code[NLANGS] = {"kk", "ru", "en"};

/* Text lengths in bytes of UTF-8 for kk and ru; English gets half. */
#define STEM_MIN 150
#define STEM_MAX 400
#define OPTION_MIN 20
#define OPTION_MAX 100
#define TEXT_CAP 512

/* The word lists, packed rather than one word a line. */
/* clang-format off */
static const char *const words_kk[] = {
    "сайлау", "сайлаушы", "сайлаушылар", "комиссия", "комиссиясы", "мүшесі", "мүшелері",
    "учаскелік", "аумақтық", "орталық", "облыстық", "аудандық", "қалалық", "бюллетень",
    "бюллетеньдер", "дауыс", "дауыстар", "беру", "күні", "азамат", "азаматтары", "құқығы",
    "құқықтары", "заң", "заңнама", "талаптары", "хаттама", "хаттамасы", "тізімі", "жәшік",
    "жәшігі", "мөр", "байқаушы", "байқаушылар", "үміткер", "үміткерлер", "тіркеу", "нәтижелері",
    "есептеу", "жариялау", "өкілеттік", "өкілеттігі", "мерзімі", "төрағасы", "хатшысы",
    "орынбасары", "шешім", "шешімі", "қабылдау", "отырыс", "отырысы", "кворум", "бақылау",
    "ашықтық", "жариялылық", "құжат", "құжаттар", "жеке", "куәлік", "куәлігі", "тексеру", "қол",
    "қою", "үй-жайы", "кабина", "жасырын", "тең", "жалпыға", "ортақ", "тікелей", "міндетті",
    "тиіс", "болады", "қажет", "жүргізіледі", "ұйымдастырады", "қамтамасыз", "етеді", "әрбір",
    "барлық", "өз", "бойынша", "сәйкес", "кезінде", "дейін", "кейін", "үшін", "және", "немесе",
    "мен", "туралы", "ғана", "тек", "жаңа", "бірінші", "екінші", "ақпарат", "оқыту", "сынақ",
    "электрондық", "мемлекеттік", "Қазақстан", "Республикасының", "ұсыныс", "шағым", "өтініш",
    "қарау", "сағат", "уақыт", "жұмыс", "орны", "аумағында", "мәслихат", "әкімдік", "Парламент",
    "Мәжіліс", "депутат", "референдум", "үгіт", "қаржыландыру", "қор", "есеп", "қорытынды",
    "санау", "жарамсыз", "жарамды", "белгі", "толтырылған", "конверт", "көшпелі", "ерте", "толық",
    "дұрыс", "ереже", "тәртіп", "рәсім", "қағидат", "шаһар", "жиһаз", "қаһарман", "мұһит",
    "таңдау", "маңызды", "өзгеріс", "ғимарат", "бағалау", "білім", "іс", "ұйым", "өкіл",
    "жауапкершілік", "деректер", "қауіпсіздік", "тәуелсіз", "халықаралық", "ұлттық", "жергілікті",
    "ол", "бұл"
};
static const char *const words_ru[] = {
    "выборы", "выборов", "избирательная", "избирательной", "комиссия", "комиссии", "член", "члены",
    "участковой", "территориальной", "центральной", "областной", "районной", "городской",
    "бюллетень", "бюллетени", "голос", "голосов", "голосование", "голосования", "день",
    "гражданин", "граждан", "право", "права", "закон", "закона", "законодательство", "требования",
    "протокол", "протокола", "избирателей", "избиратель", "список", "списка", "урна", "урны",
    "печать", "наблюдатель", "наблюдатели", "кандидат", "кандидатов", "регистрация", "результаты",
    "подсчёт", "объявление", "полномочия", "срок", "председатель", "секретарь", "заместитель",
    "решение", "принятие", "заседание", "кворум", "контроль", "открытость", "гласность",
    "документ", "документы", "удостоверение", "личности", "проверка", "подпись", "помещение",
    "кабина", "тайное", "равное", "всеобщее", "прямое", "обязательно", "должен", "может",
    "необходимо", "проводится", "организует", "обеспечивает", "каждый", "все", "по", "согласно",
    "во", "время", "до", "после", "для", "и", "или", "о", "только", "новый", "первый", "второй",
    "информация", "обучение", "тестирование", "электронный", "государственный", "Республики",
    "Казахстан", "предложение", "жалоба", "заявление", "рассмотрение", "час", "работа", "место",
    "территории", "маслихат", "акимат", "Парламент", "Мажилис", "депутат", "референдум",
    "агитация", "финансирование", "фонд", "отчёт", "итоги", "недействительный", "действительный",
    "отметка", "заполненный", "конверт", "переносной", "ящик", "досрочное", "полный", "верный",
    "правило", "порядок", "процедура", "принцип", "ответственность", "безопасность", "независимый",
    "международный", "национальный", "местный", "данные", "с", "в", "на", "не", "при", "ёмкость",
    "съезд"
};
static const char *const words_en[] = {
    "election", "elections", "electoral", "commission", "commissions", "member", "members",
    "precinct", "territorial", "central", "regional", "district", "city", "ballot", "ballots",
    "vote", "votes", "voting", "day", "citizen", "citizens", "right", "rights", "law",
    "legislation", "requirements", "protocol", "voter", "voters", "list", "box", "seal",
    "observer", "observers", "candidate", "candidates", "registration", "results", "count",
    "counting", "announcement", "powers", "term", "chair", "secretary", "deputy", "decision",
    "adoption", "meeting", "quorum", "control", "openness", "transparency", "document",
    "documents", "identity", "card", "check", "signature", "premises", "booth", "secret", "equal",
    "universal", "direct", "must", "may", "shall", "is", "are", "be", "held", "organises",
    "ensures", "each", "every", "all", "by", "under", "during", "before", "after", "for", "and",
    "or", "of", "the", "a", "to", "in", "on", "at", "only", "new", "first", "second",
    "information", "training", "testing", "electronic", "state", "Republic", "Kazakhstan",
    "proposal", "complaint", "application", "review", "hour", "time", "work", "place", "territory",
    "maslikhat", "akimat", "Parliament", "Mazhilis", "referendum", "campaigning", "funding",
    "fund", "report", "outcome", "invalid", "valid", "mark", "completed", "envelope", "mobile",
    "early", "full", "correct", "rule", "order", "procedure", "principle", "responsibility",
    "security", "independent", "international", "national", "local", "data"
};
/* clang-format on */

/* Sentence openers: questions, and capitalised starts of statements and
 * options. */
static const char *const ask_kk[] = {"Қандай", "Қай",      "Кім",          "Қашан", "Неше",
                                     "Қанша",  "Неліктен", "Қай жағдайда", "Қалай", "Қайда"};
static const char *const ask_ru[] = {"Какой",         "Какая",   "Какие",  "Кто",
                                     "Когда",         "Сколько", "Почему", "В каком случае",
                                     "Каким образом", "Где"};
static const char *const ask_en[] = {"Which", "What", "Who",           "When",  "How many",
                                     "Why",   "How",  "In which case", "Where", "Under which rule"};
static const char *const cap_kk[] = {"Сайлау",   "Комиссия", "Учаскелік", "Әрбір",   "Бюллетень",
                                     "Байқаушы", "Үміткер",  "Хаттама",   "Орталық", "Азамат"};
static const char *const cap_ru[] = {"Избирательная", "Комиссия",    "Участковая", "Каждый",
                                     "Бюллетень",     "Наблюдатель", "Кандидат",   "Протокол",
                                     "Центральная",   "Гражданин"};
static const char *const cap_en[] = {"The",          "Each",       "A",           "Every",
                                     "The precinct", "The ballot", "An observer", "A candidate",
                                     "The protocol", "The central"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *const *words, *const *ask, *const *cap;
    size_t n_words, n_ask, n_cap;
} lex[NLANGS] = {
    {words_kk, ask_kk, cap_kk, COUNT(words_kk), COUNT(ask_kk), COUNT(cap_kk)},
    {words_ru, ask_ru, cap_ru, COUNT(words_ru), COUNT(ask_ru), COUNT(cap_ru)},
    {words_en, ask_en, cap_en, COUNT(words_en), COUNT(ask_en), COUNT(cap_en)},
};

/* splitmix64: small, fast, and the same on every machine. */
typedef struct {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* 0..n-1 (n >= 1); the modulo bias is immaterial for n this small. */
static size_t rng_below(rng *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

static int rng_range(rng *r, int lo, int hi)
{
    return lo + (int)rng_below(r, (size_t)(hi - lo + 1));
}

typedef enum { T_QUESTION, T_STATEMENT, T_OPTION, T_TITLE } text_kind;

/* Fills out (TEXT_CAP bytes) with a sentence of about min..max bytes in
 * language lang (half that in English). Words are added while they fit the drawn length; at the
 * end a scan for any word that still fits keeps the text close to it. */
static void make_text(rng *r, int lang, text_kind kind, int min_bytes, int max_bytes, char *out)
{
    const char *const *open = kind == T_QUESTION ? lex[lang].ask : lex[lang].cap;
    size_t n_open = kind == T_QUESTION ? lex[lang].n_ask : lex[lang].n_cap;
    const size_t tail = kind == T_QUESTION || kind == T_STATEMENT ? 1 : 0;
    if (lang == EN) {
        min_bytes /= 2;
        max_bytes /= 2;
    }
    size_t target = (size_t)rng_range(r, min_bytes, max_bytes);
    size_t len = 0;
    char num[16];

    if (target >= TEXT_CAP)
        target = TEXT_CAP - 1;
    const char *w = open[rng_below(r, n_open)];
    memcpy(out, w, strlen(w));
    len = strlen(w);
    for (;;) {
        size_t room = target > len + tail ? target - len - tail : 0;
        if (rng_below(r, 25) == 0) {
            snprintf(num, sizeof num, "%u", (unsigned)(1 + rng_below(r, 2024)));
            w = num;
        } else {
            w = lex[lang].words[rng_below(r, lex[lang].n_words)];
        }
        if (1 + strlen(w) > room) {
            size_t start = rng_below(r, lex[lang].n_words);
            w = NULL;
            for (size_t k = 0; k < lex[lang].n_words; k++) {
                const char *c = lex[lang].words[(start + k) % lex[lang].n_words];
                if (1 + strlen(c) <= room) {
                    w = c;
                    break;
                }
            }
            if (!w)
                break;
        }
        out[len++] = ' ';
        memcpy(out + len, w, strlen(w));
        len += strlen(w);
        /* A comma now and then, where one more word will still follow. */
        if (len + tail + 6 < target && rng_below(r, 10) == 0)
            out[len++] = ',';
    }
    if (out[len - 1] == ',')
        len--;
    if (kind == T_QUESTION)
        out[len++] = '?';
    else if (kind == T_STATEMENT)
        out[len++] = '.';
    out[len] = '\0';
}

/* A double-quoted YAML scalar: only '"' and '\' need escaping in ours. */
static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* One text in every language of the bank, as a flow map; extra (may be
 * NULL) is appended inside the braces, e.g. ", correct: yes". */
static void put_text(FILE *f, rng *r, unsigned langs, text_kind kind, int min_bytes, int max_bytes,
                     const char *extra)
{
    char text[TEXT_CAP];
    bool first = true;
    fputc('{', f);
    for (int l = 0; l < NLANGS; l++) {
        if (!(langs & (1u << l)))
            continue;
        make_text(r, l, kind, min_bytes, max_bytes, text);
        fprintf(f, "%s%s: ", first ? "" : ", ", lang_code[l]);
        put_str(f, text);
        first = false;
    }
    if (extra)
        fputs(extra, f);
    fputs("}\n", f);
}

unsigned bank_parse_langs(const char *list)
{
    unsigned langs = 0;
    const char *p = list;
    if (!p || !*p)
        return 0;
    for (;;) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int l = 0; l < NLANGS; l++)
            if (n == 2 && strncmp(p, lang_code[l], 2) == 0)
                found = l;
        if (found < 0)
            return 0;
        langs |= 1u << found;
        if (!p[n])
            return langs;
        p += n + 1;
    }
}

const char *bank_opts_problem(const bank_opts *o)
{
    if (o->items < 1 || o->items > BANK_MAX_ITEMS)
        return "--items must be 1..100000 (the most items an exam may have)";
    if (o->topics < 1 || o->topics > BANK_MAX_TOPICS)
        return "--topics must be 1..999";
    if (o->topics > o->items)
        return "--topics must not be more than --items (every topic needs an item)";
    if (o->langs == 0 || o->langs > (BANK_KK | BANK_RU | BANK_EN))
        return "--langs must name one or more of kk, ru, en";
    if (o->draw < 0 || o->draw > o->items)
        return "--draw must be 0..--items (0: every item in each attempt)";
    /* A topic whose items differ in points draws by points, at most 200. */
    if ((o->draw + o->topics - 1) / o->topics > 200)
        return "--draw must take at most 200 items of a topic (--draw up to 200 x --topics)";
    return NULL;
}

/* Items of topic t (0-based) in one attempt. */
static int bank_topic_draw(const bank_opts *o, int t)
{
    return o->draw / o->topics + (t < o->draw % o->topics);
}

int bank_write(FILE *f, const bank_opts *o)
{
    if (bank_opts_problem(o))
        return -1;
    rng r = {o->seed};
    const char *id = o->exam_id ? o->exam_id : "synthetic-bank";
    char title[NLANGS][160];
    char langs_list[16] = "";

    for (int l = 0; l < NLANGS; l++)
        if (o->langs & (1u << l))
            snprintf(langs_list + strlen(langs_list), sizeof langs_list - strlen(langs_list),
                     "%s%s", langs_list[0] ? "," : "", lang_code[l]);
    fprintf(f,
            "# Synthetic exam bank written by synaq-gen-bank --items %ld --topics %d --langs %s"
            " --seed %llu --draw %d.\n"
            "# For benchmarks: the texts are word salad from word lists, not exam content.\n"
            "exam: %s\nversion: 1\ntitle:\n",
            o->items, o->topics, langs_list, (unsigned long long)o->seed, o->draw, id);
    snprintf(title[KK], sizeof title[KK], "Синтетикалық сұрақтар банкі: %ld сұрақ", o->items);
    snprintf(title[RU], sizeof title[RU], "Синтетический банк вопросов: %ld вопросов", o->items);
    snprintf(title[EN], sizeof title[EN], "Synthetic item bank: %ld items", o->items);
    for (int l = 0; l < NLANGS; l++)
        if (o->langs & (1u << l)) {
            fprintf(f, "  %s: ", lang_code[l]);
            put_str(f, title[l]);
            fputc('\n', f);
        }
    fputs("description: ", f);
    put_text(f, &r, o->langs, T_STATEMENT, STEM_MIN, STEM_MAX, NULL);
    fputs("time_limit: 60\npass_mark: 70\nattempts: 0\nshow_score: yes\n"
          "shuffle_items: yes\nshuffle_options: yes\n\ntopics:\n",
          f);
    for (int t = 0; t < o->topics; t++) {
        fprintf(f, "  t%03d: ", t + 1);
        put_text(f, &r, o->langs, T_TITLE, 20, 60, NULL);
    }
    /* Per topic: the points of the items a draw would take first (its
     * first ones), and the least and most points of one item. */
    long *first_points = calloc((size_t)o->topics, sizeof *first_points);
    int *lo = calloc((size_t)o->topics, sizeof *lo), *hi = calloc((size_t)o->topics, sizeof *hi);
    if (!first_points || !lo || !hi) {
        free(first_points);
        free(lo);
        free(hi);
        return -1;
    }
    fputs("\nitems:\n", f);
    for (long i = 0; i < o->items; i++) {
        size_t kind = rng_below(&r, 100);
        int points = 1, t = (int)(i % o->topics);
        fprintf(f, "  - id: q%06ld\n    topic: t%03ld\n", i + 1, i % o->topics + 1);
        if (rng_below(&r, 10) == 0) {
            points = rng_range(&r, 2, 5);
            fprintf(f, "    points: %d\n", points);
        }
        if (i / o->topics < bank_topic_draw(o, t))
            first_points[t] += points;
        lo[t] = lo[t] && lo[t] < points ? lo[t] : points;
        hi[t] = hi[t] > points ? hi[t] : points;
        if (kind >= 85) { /* 15 %: true/false */
            fprintf(f, "    type: truefalse\n    answer: %s\n    text: ",
                    rng_below(&r, 2) ? "yes" : "no");
            put_text(f, &r, o->langs, T_STATEMENT, STEM_MIN, STEM_MAX, NULL);
            continue;
        }
        bool multiple = kind >= 60; /* 25 %: multiple, 60 %: single */
        int n_opt = rng_range(&r, 2, 6);
        uint32_t correct = 0;
        if (multiple) {
            for (int k = 0; k < n_opt; k++)
                if (rng_below(&r, 5) < 2)
                    correct |= 1u << k;
            if (!correct)
                correct = 1u << rng_below(&r, (size_t)n_opt);
            fprintf(f, "    type: multiple\n    scoring: %s\n",
                    rng_below(&r, 2) ? "partial" : "all");
        } else {
            correct = 1u << rng_below(&r, (size_t)n_opt);
            fputs("    type: single\n", f);
        }
        fputs("    text: ", f);
        put_text(f, &r, o->langs, T_QUESTION, STEM_MIN, STEM_MAX, NULL);
        fputs("    options:\n", f);
        for (int k = 0; k < n_opt; k++) {
            fputs("      - ", f);
            put_text(f, &r, o->langs, T_OPTION, OPTION_MIN, OPTION_MAX,
                     correct & (1u << k) ? ", correct: yes" : NULL);
        }
    }
    /* Topic t holds items t, t + T, t + 2T, ...; the blueprint spreads the
     * draw the same way, so no topic is asked for more than it has. Written
     * after the items (YAML does not mind), because a topic whose items
     * differ in points draws by points (assets/README.md), and its points
     * are those of its first items: a draw that surely exists, of a usual
     * mix. */
    if (o->draw > 0) {
        fputs("\nblueprint:\n", f);
        for (int t = 0; t < o->topics; t++) {
            int want = bank_topic_draw(o, t);
            if (want > 0 && lo[t] == hi[t])
                fprintf(f, "  t%03d: %d\n", t + 1, want);
            else if (want > 0)
                fprintf(f, "  t%03d: {count: %d, points: %ld}\n", t + 1, want, first_points[t]);
        }
    }
    free(first_points);
    free(lo);
    free(hi);
    return ferror(f) ? -1 : 0;
}
