// The page's only script: copy buttons, [n] links, and the buttons inside
// answers, quote cards and the basket that send commands to the server.
// Loaded once in <head>; every handler is delegated from `document`, because
// Gradio replaces the HTML of answers and cards whenever they change.
(function () {
  if (window.ywInstalled) return;
  window.ywInstalled = true;

  // Commands for the basket wait here until the hidden #yw-command-go button's
  // event collects them (see web.py: its `js` takes them all at once, so two
  // quick clicks are applied in order and none is lost).
  window.ywCommands = [];
  window.ywTakeCommands = function () {
    return JSON.stringify(window.ywCommands.splice(0));
  };

  function send(command) {
    window.ywCommands.push(command);
    const go = document.querySelector('#yw-command-go');
    if (go) go.click();
  }

  function flash(button, text) {
    const original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    setTimeout(function () { button.textContent = original; }, 1500);
  }

  function copy(button) {
    const text = button.dataset.copy;
    const done = function () { window.ywLastCopied = text; flash(button, '已复制'); };
    // The clipboard API needs a secure context (localhost or https); on plain
    // http over the LAN the old textarea way still works.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      try { document.execCommand('copy'); } catch (e) { /* nothing else to try */ }
      area.remove();
      done();
    }
  }

  // Gradio's own controls are labelled by the browser's language, and some
  // (the chat's scroll button) only in English; the page is Chinese throughout.
  const LABELS = {
    'Scroll down': '滚动到最新', 'Clear': '清空', 'Copy message': '复制', 'Copy': '复制',
    'Copy conversation': '复制对话', 'Remove': '移除', 'Download': '下载', 'Close': '关闭',
    'Open': '打开', 'Like': '赞', 'Dislike': '踩', 'Retry': '重试', 'Undo': '撤销',
  };
  function relabel(root) {
    root.querySelectorAll('[aria-label], [title]').forEach(function (element) {
      ['aria-label', 'title'].forEach(function (name) {
        const chinese = LABELS[element.getAttribute(name)];
        if (chinese) element.setAttribute(name, chinese);
      });
    });
  }
  // Gradio's chat would scroll to its bottom, the end of the last source card, so
  // the answer's text and its [n] were off screen; its own scrolling is off
  // (web.py, autoscroll=False) and a new question or answer is shown from its top.
  let messagesSeen = 0, answersSeen = 0;
  function scrollToTop(element) {
    let box = element.parentElement;
    while (box && box.scrollHeight <= box.clientHeight + 1) box = box.parentElement;
    if (box && box !== document.documentElement && box !== document.body) {
      box.scrollTop += element.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    }
  }
  function showNewMessage() {
    const messages = document.querySelectorAll('#yw-chat .message-row');
    const answers = document.querySelectorAll('#yw-chat .yw-answer');
    if (answers.length > answersSeen) {
      const newest = answers[answers.length - 1];
      scrollToTop(newest.closest('.message-row') || newest);
    } else if (messages.length > messagesSeen) {
      scrollToTop(messages[messages.length - 1]);  // the question, while it is answered
    }
    messagesSeen = messages.length;
    answersSeen = answers.length;
  }
  let pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; relabel(document); showNewMessage(); });
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                        attributeFilter: ['aria-label', 'title']});

  document.addEventListener('click', function (event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const copyButton = target.closest('button.yw-copy');
    if (copyButton) { copy(copyButton); return; }

    const add = target.closest('button.yw-add');
    if (add) {
      let item = null;
      try { item = JSON.parse(add.dataset.item); } catch (e) { return; }
      send({op: 'add', item: item});
      flash(add, '已加入');
      return;
    }

    const op = target.closest('button.yw-basket-op');
    if (op) {
      send({op: op.dataset.op, index: Number(op.dataset.index)});
      return;
    }

    const cite = target.closest('a.yw-cite');
    if (cite) {
      event.preventDefault();
      const card = document.getElementById(cite.getAttribute('href').slice(1));
      if (card) {
        const details = card.closest('details');
        if (details) details.open = true;
        card.scrollIntoView({behavior: 'smooth', block: 'center'});
        card.classList.add('yw-flash');
        setTimeout(function () { card.classList.remove('yw-flash'); }, 2000);
      }
    }
  });
})();
