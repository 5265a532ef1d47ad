/*
 * xclose - asks a top-level X window to close, the way a window manager's
 * close button (or its Alt+F4) does: a WM_PROTOCOLS client message with
 * WM_DELETE_WINDOW. Bare Xvfb has no window manager, and Debian 12's
 * xdotool has no such command (its windowclose destroys the window).
 *   xclose NAME       (the window whose WM_NAME is NAME, on $DISPLAY)
 * Exit 0 when the message was sent, 1 when there is no such window or
 * the window does not take WM_DELETE_WINDOW, 2 on a usage or display error.
 */
#include <stdio.h>
#include <string.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

static Window find(Display *d, Window w, const char *name)
{
    char *got = NULL;
    if (XFetchName(d, w, &got) && got) {
        int same = strcmp(got, name) == 0;
        XFree(got);
        if (same)
            return w;
    }
    Window root, parent, *kids = NULL, found = 0;
    unsigned n = 0;
    if (!XQueryTree(d, w, &root, &parent, &kids, &n))
        return 0;
    for (unsigned i = 0; i < n && !found; i++)
        found = find(d, kids[i], name);
    if (kids)
        XFree(kids);
    return found;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xclose WINDOW_NAME\n");
        return 2;
    }
    Display *d = XOpenDisplay(NULL);
    if (!d) {
        fprintf(stderr, "xclose: cannot open the display\n");
        return 2;
    }
    Window w = find(d, DefaultRootWindow(d), argv[1]);
    if (!w) {
        fprintf(stderr, "xclose: no window named '%s'\n", argv[1]);
        XCloseDisplay(d);
        return 1;
    }
    Atom protocols = XInternAtom(d, "WM_PROTOCOLS", False);
    Atom del = XInternAtom(d, "WM_DELETE_WINDOW", False);
    Atom *list = NULL;
    int n = 0, takes = 0;
    if (XGetWMProtocols(d, w, &list, &n)) {
        for (int i = 0; i < n; i++)
            takes |= list[i] == del;
        XFree(list);
    }
    if (!takes) {
        fprintf(stderr, "xclose: window 0x%lx does not take WM_DELETE_WINDOW\n", (unsigned long)w);
        XCloseDisplay(d);
        return 1;
    }
    XEvent e;
    memset(&e, 0, sizeof e);
    e.xclient.type = ClientMessage;
    e.xclient.window = w;
    e.xclient.message_type = protocols;
    e.xclient.format = 32;
    e.xclient.data.l[0] = (long)del;
    e.xclient.data.l[1] = CurrentTime;
    XSendEvent(d, w, False, NoEventMask, &e);
    XSync(d, False);
    XCloseDisplay(d);
    printf("xclose: WM_DELETE_WINDOW sent to 0x%lx\n", (unsigned long)w);
    return 0;
}
