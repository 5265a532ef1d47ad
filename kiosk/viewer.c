/*
 * viewer.c - the picture viewer (viewer.h): the item's picture and a
 * lesson page's, zoomed and moved the same way. The picture is the
 * caller's decoded one: the viewer adds no texture.
 */
#include <stdlib.h>
#include <string.h>

#include "viewer.h"

void viewer_reset(viewer_state *v)
{
    memset(v, 0, sizeof *v);
    v->zoom = 1;
}

static void viewer_clamp(viewer_state *v)
{
    if (v->zoom > v->max_zoom)
        v->zoom = v->max_zoom;
    if (v->zoom < 1)
        v->zoom = 1;
    double s = v->fit * v->zoom;
    if (s <= 0)
        return;
    /* Half the view, in the picture's pixels. A picture narrower than
     * the view stays in its middle; a wider one leaves no gap beside it. */
    double hw = v->area.w / (2 * s), hh = v->area.h / (2 * s);
    if (v->img_w <= 2 * hw)
        v->cx = v->img_w / 2.0;
    else if (v->cx < hw)
        v->cx = hw;
    else if (v->cx > v->img_w - hw)
        v->cx = v->img_w - hw;
    if (v->img_h <= 2 * hh)
        v->cy = v->img_h / 2.0;
    else if (v->cy < hh)
        v->cy = hh;
    else if (v->cy > v->img_h - hh)
        v->cy = v->img_h - hh;
}

/* The view for a picture of iw x ih in area: the fit, the zoom's limit
 * (at least APP_ZOOM_MIN_MAX times the fit and APP_ZOOM_NATIVE_MAX
 * screen pixels a picture's pixel), the zoom and centre within them. A
 * view reset (cx, cy 0) starts at the picture's middle. */
static void viewer_layout(viewer_state *v, ui_rect area, int iw, int ih)
{
    if (v->img_w != iw || v->img_h != ih) {
        v->cx = iw / 2.0;
        v->cy = ih / 2.0;
    }
    v->area = area;
    v->img_w = iw;
    v->img_h = ih;
    double fx = (double)area.w / iw, fy = (double)area.h / ih;
    v->fit = fx < fy ? fx : fy;
    v->max_zoom = APP_ZOOM_MIN_MAX;
    if (v->fit > 0 && APP_ZOOM_NATIVE_MAX / v->fit > v->max_zoom)
        v->max_zoom = APP_ZOOM_NATIVE_MAX / v->fit;
    viewer_clamp(v);
}

/* Zooms to zoom (within the limits) keeping the picture's point under
 * x, y where it is on the screen, as far as the limits allow. */
static void viewer_zoom_at(viewer_state *v, int x, int y, double zoom)
{
    if (v->fit <= 0)
        return;
    double mx = v->area.x + v->area.w / 2.0, my = v->area.y + v->area.h / 2.0;
    double s0 = v->fit * v->zoom;
    double ix = v->cx + (x - mx) / s0, iy = v->cy + (y - my) / s0;
    v->zoom = zoom;
    viewer_clamp(v);
    double s1 = v->fit * v->zoom;
    v->cx = ix - (x - mx) / s1;
    v->cy = iy - (y - my) / s1;
    viewer_clamp(v);
}

/* The zoom a double tap goes to: the next of 2x and 4x the fit, and
 * from 4x (or past it, by pinching) back to the fit. */
static double viewer_next_zoom(const viewer_state *v)
{
    static const double steps[] = {2.0, 4.0};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] > v->zoom + 1e-6)
            return steps[i];
    return 1.0;
}

/* A tap on the picture: the second of two close in time and place is a
 * double tap. A single tap does nothing, so nothing waits for a second. */
static void viewer_tap(app *a, viewer_state *v, int x, int y)
{
    int64_t now = app_now_ms(a);
    if (v->tap_armed && now - v->tap_ms <= APP_DOUBLE_TAP_MS && abs(x - v->tap_x) <= a->u.unit &&
        abs(y - v->tap_y) <= a->u.unit) {
        v->tap_armed = false;
        viewer_zoom_at(v, v->tap_x, v->tap_y, viewer_next_zoom(v));
    } else {
        v->tap_armed = true;
        v->tap_ms = now;
        v->tap_x = x;
        v->tap_y = y;
    }
    a->dirty = true;
}

bool viewer_frame(app *a, const char *back_key, ui_rect *area, ui_rect *status)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    /* The bar: back, large and first; the caller's words beside it. */
    int bar_h = u->unit + 2 * u->gap;
    ui_fill(u, ui_r(0, 0, u->w, bar_h), u->th.accent);
    const char *back = app_t(a, back_key);
    int bw = ui_text_width(u, back, u->px, true) + 4 * u->gap;
    if (bw < 3 * u->unit)
        bw = 3 * u->unit;
    if (bw > u->w / 2)
        bw = u->w / 2;
    if (ui_button(u, "viewer-back", ui_r(u->gap, u->gap, bw, u->unit), back, BTN_NORMAL))
        return true;
    *status = ui_r(bw + 3 * u->gap, u->gap, u->w - bw - 4 * u->gap, u->unit);
    /* The hint, at the foot. */
    const char *hint = app_t(a, "viewer.hint");
    int hpx = u->px * 9 / 10;
    int hh = ui_text_height(u, u->w - 4 * u->gap, hint, hpx, false) + 2 * u->gap;
    ui_fill(u, ui_r(0, u->h - hh, u->w, hh), u->th.panel);
    ui_text(u, ui_r(2 * u->gap, u->h - hh + u->gap, u->w - 4 * u->gap, hh - 2 * u->gap), hint, hpx,
            false, u->th.muted, ALIGN_CENTER);
    *area = ui_r(0, bar_h, u->w, u->h - bar_h - hh);
    return false;
}

void viewer_picture(app *a, viewer_state *v, ui_rect area, int handle, int iw, int ih)
{
    ui *u = &a->u;
    if (iw <= 0 || ih <= 0 || area.w <= 0 || area.h <= 0)
        return;
    viewer_layout(v, area, iw, ih);
    if (ui_area(u, "viewer-picture", area))
        viewer_tap(a, v, u->tap_x, u->tap_y);
    if (u->pass == UI_DRAW) {
        double s = v->fit * v->zoom;
        int x = (int)(area.x + area.w / 2.0 - v->cx * s + 0.5);
        int y = (int)(area.y + area.h / 2.0 - v->cy * s + 0.5);
        plat_clip(u->p, area.x, area.y, area.w, area.h);
        plat_image(u->p, handle, x, y, (int)(iw * s + 0.5), (int)(ih * s + 0.5));
        plat_clip(u->p, 0, 0, 0, 0);
    }
}

void viewer_drag(viewer_state *v, int dx, int dy)
{
    if (v->fit <= 0)
        return;
    v->cx -= dx / (v->fit * v->zoom);
    v->cy -= dy / (v->fit * v->zoom);
    viewer_clamp(v);
}

bool viewer_pinch(viewer_state *v, int x, int y, float scale)
{
    /* A scale of nothing, or past reason, is no pinch a finger made. */
    if (!(scale > 0.01f && scale < 100.0f))
        return false;
    viewer_zoom_at(v, x, y, v->zoom * scale);
    return true;
}
