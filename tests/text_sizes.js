// The visible text on the page and its size in CSS px: each visible text node's element's computed
// font-size, times the SVG's screen scale for SVG text (its font-size is in user units). Text that is
// clipped away (Streamlit's "skip to content" link), hidden, or outside the viewport is not counted.
// Also whether the page scrolls: the document, or Streamlit's main block, taller than the viewport.
() => {
  const sizes = [];
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const vw = innerWidth, vh = innerHeight;
  let n;
  while ((n = walker.nextNode())) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (!el || el.closest('style,script,title,noscript')) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    if (!rects.some(r => r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh)) continue;
    let hidden = false;
    for (let a = el, i = 0; a && i < 6; a = a.parentElement, i++) {
      const cs = getComputedStyle(a), r = a.getBoundingClientRect();
      if (cs.clip === 'rect(0px, 0px, 0px, 0px)' || (cs.overflow === 'hidden' && (r.width <= 1 || r.height <= 1))) { hidden = true; break; }
    }
    if (hidden) continue;
    if (el.checkVisibility && !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    let px = parseFloat(getComputedStyle(el).fontSize);
    const svgText = el.closest('text');
    if (svgText && svgText.ownerSVGElement) {
      const m = svgText.getScreenCTM();
      px = px * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    sizes.push(px);
    small.push([px, n.textContent.trim().slice(0, 40), el.tagName]);
  }
  sizes.sort((a, b) => a - b);
  small.sort((a, b) => a[0] - b[0]);
  const se = document.scrollingElement;
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    n: sizes.length, min: sizes[0], median: sizes[Math.floor(sizes.length / 2)],
    smallest: small.slice(0, 5),
    docScroll: se.scrollHeight, mainScroll: main ? main.scrollHeight : 0, vh,
  };
}
