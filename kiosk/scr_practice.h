/*
 * scr_practice.h - the trainee's practice screens (scr_practice.c): the
 * exams' topics with the trainee's progress and mastery, then items one at
 * a time with feedback straight after each answer (right or wrong, the
 * right answer marked, the explanation, what the chosen option says), a
 * second try where the exam allows it. They touch exam_state's practice
 * fields and the shared fields of struct app (app.h).
 */
#ifndef SYNAQ_KIOSK_SCR_PRACTICE_H
#define SYNAQ_KIOSK_SCR_PRACTICE_H

#include "app.h"

/* Opens the topics screen for the trainee identified, over the exams
 * listed for them (exam_state's exams and eligible). */
void practice_open(app *a);
/* After the exam's second factor was passed for practice (scr_exam.c's
 * check screen): practice at the exam and topic asked for opens. */
void practice_resume(app *a);
/* Whether any exam listed for the trainee can be practised. */
bool practice_any(app *a);
/* One pass of the screen on show, when it is practice's (false: another's). */
bool practice_screen(app *a);
/* A drag scrolls the topics or the item (dy). */
void practice_drag(app *a, int dy);

#endif
