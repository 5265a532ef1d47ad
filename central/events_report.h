/*
 * events_report.h - synaq-central events-report (events_report.c): per
 * training event, invited, came, practised and passed.
 */
#ifndef SYNAQ_EVENTS_REPORT_H
#define SYNAQ_EVENTS_REPORT_H

/* The command's lines of synaq-central's usage. */
extern const char events_report_usage[];
/* argv[0] is "events-report"; returns the exit status. */
int events_report_main(int argc, char **argv);

#endif
