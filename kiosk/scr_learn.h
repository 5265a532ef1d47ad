/*
 * scr_learn.h - the trainee's study material (scr_learn.c): "Learn" on
 * the exams screen after identification, the topics with lessons of the
 * trainee's exams, and a lesson's pages rendered from their markup
 * (synaq/markup.h), scrolled by touch (drag and fling), with text size,
 * contrast and the page reached, kept per trainee in the store.
 * A screen of app.h's layer, beside scr_exam.c; screens.c hands it its
 * frames, drags and ticks.
 */
#ifndef SYNAQ_KIOSK_SCR_LEARN_H
#define SYNAQ_KIOSK_SCR_LEARN_H

#include "app.h"

/* One pass of SCR_LEARN or SCR_LESSON; false for other screens. */
bool learn_screen(app *a);
/* How many topics with lessons the identified trainee's exams have (the
 * exams screen offers "Learn" when there are any). */
int learn_available(app *a);
/* Opens the topics (SCR_LEARN). */
void learn_open(app *a);
/* A drag on a lessons screen (true: taken); the finger lifted after
 * one: a quick drag goes on as a fling. */
bool learn_drag(app *a, int dx, int dy);
void learn_drag_end(app *a);
/* A pinch on a page's picture on the whole screen zooms it (viewer.h);
 * true: taken. */
bool learn_pinch(app *a, int x, int y, float scale);
/* The fling's steps: ms until the next (-1: none). */
int learn_tick(app *a, int64_t now);
/* The trainee goes (idle): the page reached is kept, the page let go. */
void learn_leave(app *a);

#endif
