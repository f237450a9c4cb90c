// pgvet for VS Code: starts `pgvet server` (LSP over stdio) for the
// workspace and hands it every SQL file. Diagnostics, quick fixes, hover
// and go to definition all come from the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('pgvet').get('path') || 'pgvet';
  const serverOptions = {
    command,
    args: ['server'],
    transport: TransportKind.stdio,
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'sql' },
      { scheme: 'file', pattern: '**/*.sql' },
    ],
    // Files changed outside the editor (git checkout, `pgvet fix`, a new
    // pgvet.yaml) are linted again.
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.sql,pgvet.yaml,config.toml}'),
    },
  };
  client = new LanguageClient('pgvet', 'pgvet', serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
